package entry

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// reflectDecode is the reference decoder: encoding/json with unknown
// fields and trailing data refused, as Decode did before the canonical
// reader.
func reflectDecode(b []byte) (*Envelope, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var e Envelope
	if err := dec.Decode(&e); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data")
	}
	return &e, nil
}

// canonicalSamples returns encodings of envelopes that exercise every
// optional member: none, some, all.
func canonicalSamples(t testing.TB) [][]byte {
	t.Helper()
	full := sampleOrder(t)
	bare := *full
	bare.Decision, bare.Label = nil, NewLabel(Public)
	plain := *full
	plain.Decision = &Decision{Outcome: Accept, RulePack: "builtin-2025.1"}
	many := *full
	many.Label = NewLabel(Secret, "a", "b", "c")
	many.Decision = &Decision{Outcome: Review, Reasons: []string{ReasonWatchList, ReasonPriceCollar},
		Checks: []Check{{Rule: "r1", Result: Pass}, {Rule: "r2", Result: Alert, Reason: ReasonWatchList, Limit: "10"},
			{Rule: "r3", Result: Errored, Observed: "ünïcode €"}}}
	var out [][]byte
	for _, e := range []*Envelope{full, &bare, &plain, &many} {
		b, err := e.Encode()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestDecodeCanonicalTakesEncoderOutput checks that what the encoder
// writes is read by the single-pass reader, to the envelope encoding/json
// reads.
func TestDecodeCanonicalTakesEncoderOutput(t *testing.T) {
	for _, b := range canonicalSamples(t) {
		got, ok := decodeCanonical(b)
		if !ok {
			t.Fatalf("canonical reader refused encoder output %s", b)
		}
		want, err := reflectDecode(b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("canonical reader gave %+v, encoding/json %+v", got, want)
		}
	}
}

// TestDecodeCanonicalFallsBack checks that forms outside the reader's
// subset are left to encoding/json and still decode (or fail) as before.
func TestDecodeCanonicalFallsBack(t *testing.T) {
	good := canonicalSamples(t)[0]
	for _, tt := range []struct {
		name string
		b    string
		ok   bool // encoding/json accepts it
	}{
		{"escaped string", string(bytes.Replace(good, []byte(`"actor":"T1"`), []byte(`"actor":"T\u0031"`), 1)), true},
		{"space", string(bytes.Replace(good, []byte(`"v":1`), []byte(`"v": 1`), 1)), true},
		{"member order", string(bytes.Replace(good, []byte(`{"v":1,"type":"order"`), []byte(`{"type":"order","v":1`), 1)), true},
		{"leading zero", string(bytes.Replace(good, []byte(`"v":1`), []byte(`"v":01`), 1)), false},
		{"unknown level", string(bytes.Replace(good, []byte(`"confidential"`), []byte(`"topsecret"`), 1)), false},
		{"empty reasons", string(bytes.Replace(good, []byte(`"reasons":["PRICE_COLLAR"]`), []byte(`"reasons":[]`), 1)), true},
		{"trailing data", string(good) + "{}", false},
		{"truncated", string(good[:len(good)-1]), false},
	} {
		if _, ok := decodeCanonical([]byte(tt.b)); ok {
			t.Errorf("%s: canonical reader accepted %s", tt.name, tt.b)
		}
		_, err := Decode([]byte(tt.b))
		if (err == nil) != tt.ok {
			t.Errorf("%s: Decode error %v, want success %v", tt.name, err, tt.ok)
		}
	}
}

// FuzzDecodeCanonical checks the reader against encoding/json: whatever
// it accepts, encoding/json accepts and decodes to an equal envelope.
func FuzzDecodeCanonical(f *testing.F) {
	for _, b := range canonicalSamples(f) {
		f.Add(b)
	}
	f.Add([]byte(`{"v":1,"type":"order","id":"a","time_ns":-0,"actor":"b","label":{"level":"public"},"body":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := decodeCanonical(b)
		if !ok {
			return
		}
		want, err := reflectDecode(b)
		if err != nil {
			t.Fatalf("canonical reader accepted what encoding/json refuses (%v): %q", err, b)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("canonical reader gave %+v, encoding/json %+v for %q", got, want, b)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	enc := canonicalSamples(b)[3]
	b.Run("canonical", func(b *testing.B) {
		for b.Loop() {
			if _, err := Decode(enc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := reflectDecode(enc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
