package entry

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// reflectEncode is the reference canonical encoding: encoding/json with
// HTML escaping off and the trailing newline removed.
func reflectEncode(t testing.TB, e *Envelope) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// TestEncoderCoversEveryField fails when a struct the encoder writes by
// hand gains or loses a field, so that appendEnvelope is updated with it.
func TestEncoderCoversEveryField(t *testing.T) {
	for _, tt := range []struct {
		v    any
		want int
	}{{Envelope{}, 8}, {Label{}, 2}, {Decision{}, 4}, {Check{}, 5}} {
		if got := reflect.TypeOf(tt.v).NumField(); got != tt.want {
			t.Errorf("%T has %d fields, appendEnvelope writes %d: update encode.go", tt.v, got, tt.want)
		}
	}
}

func TestEncodeMatchesReflection(t *testing.T) {
	base := sampleOrder(t)
	spaced := *base
	spaced.Body = json.RawMessage(" " + string(base.Body) + "\n")
	odd := *base
	odd.ID, odd.Actor = "a<b>&c", "x'y|z"
	odd.Label = NewLabel(Secret, "a", "b<c")
	odd.Decision = &Decision{Outcome: Review, Reasons: []string{ReasonPriceCollar},
		Checks: []Check{{Rule: "r\u2028\"q\"\\", Result: Fail, Reason: ReasonPriceCollar, Observed: "é\x01", Limit: "<5>"},
			{Rule: "plain", Result: Pass}}, RulePack: "2026.12-α"}
	bare := *base
	bare.Decision = nil
	bare.Label = NewLabel(Public)
	for name, e := range map[string]*Envelope{"sample": base, "spaced body": &spaced, "escapes": &odd, "no decision": &bare} {
		t.Run(name, func(t *testing.T) {
			want := reflectEncode(t, e)
			for _, valid := range []bool{false, true} {
				got, err := appendEnvelope(nil, e, valid)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("appendEnvelope(valid=%v):\n got %s\nwant %s", valid, got, want)
				}
			}
		})
	}
}

func TestPeekLabel(t *testing.T) {
	e := sampleOrder(t)
	b, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	l, err := PeekLabel(b)
	if err != nil {
		t.Fatal(err)
	}
	if l.String() != e.Label.String() {
		t.Errorf("PeekLabel = %s, want %s", l, e.Label)
	}
	for _, bad := range []string{``, `[]`, `{}`, `{"v":1}`, `{"label":`, `{"label":{"level":"top"}}`,
		`{"id":"a\"label","label":{"level":"ultra"}}`, `{"a":[1,{"b":"}"}],"label":}`} {
		if l, err := PeekLabel([]byte(bad)); err == nil {
			t.Errorf("PeekLabel(%q) = %s, want an error", bad, l)
		}
	}
	l, err = PeekLabel([]byte(`{"id":"a\"label","x":[1,{"b":"}"}],"label":{"level":"secret","compartments":["m"]}}`))
	if err != nil || l.String() != NewLabel(Secret, "m").String() {
		t.Errorf("PeekLabel after skipped members = %s, %v; want secret/m", l, err)
	}
}

// FuzzPeekLabel checks that PeekLabel never panics and agrees with a full
// decode on every entry that Parse accepts.
func FuzzPeekLabel(f *testing.F) {
	good, _ := sampleOrder(f).Encode()
	f.Add(good)
	f.Add([]byte(`{"label":{"level":"public"}}`))
	f.Add([]byte(`{"a":[[[[]]]],"label":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := PeekLabel(b)
		e, perr := Parse(b)
		if perr != nil {
			return
		}
		if err != nil || l.String() != e.Label.String() {
			t.Fatalf("PeekLabel = %s, %v; Parse label %s", l, err, e.Label)
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	e := sampleOrder(b)
	b.Run("append", func(b *testing.B) {
		for b.Loop() {
			if _, err := appendEnvelope(make([]byte, 0, 1024), e, true); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reflect", func(b *testing.B) {
		for b.Loop() {
			reflectEncode(b, e)
		}
	})
}

// FuzzAppendJSONString checks the string escaper against encoding/json
// with HTML escaping off.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "±5%", "a\"b\\c", "\x00\x01\x1f\x7f", "\b\f\n\r\t",
		"\u2028\u2029", "\xff\xfe", "é\xc3", "<>&", "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		want := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	})
}
