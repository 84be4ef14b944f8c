package entry

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"
)

func sampleOrder(t testing.TB) *Envelope {
	t.Helper()
	_, acct := NewOpening("account", "ACCT-1")
	body, err := NewBody(Order{
		OrderID: "o-1", Event: OrderNew, Symbol: "AAPL", Side: Buy, Quantity: 100,
		Price: decimal.RequireFromString("585.33"), Trader: "T1", Account: acct, Source: "api",
	})
	if err != nil {
		t.Fatal(err)
	}
	return &Envelope{
		Version: Version, Type: TypeOrder, ID: "o-1", Time: 1340285400004000000,
		Actor: "T1", Label: NewLabel(Confidential, "trading"), Body: body,
		Decision: &Decision{Outcome: Reject, Reasons: []string{ReasonPriceCollar},
			Checks: []Check{{Rule: "price_collar", Result: Fail, Reason: ReasonPriceCollar, Observed: "585.33", Limit: "±5%"}}},
	}
}

func TestEncodeParseRoundTrip(t *testing.T) {
	e := sampleOrder(t)
	b, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	again, _ := got.Encode()
	if string(again) != string(b) {
		t.Fatalf("re-encoding differs:\n got %s\nwant %s", again, b)
	}
}

func TestParseRejects(t *testing.T) {
	good, err := sampleOrder(t).Encode()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"not json", "\xff\xfe"},
		{"unknown field", `{"v":1,"x":2}`},
		{"extra space", " " + string(good)},
		{"trailing", string(good) + "{}"},
		{"unknown type", `{"v":1,"type":"exe","id":"a","time_ns":1,"actor":"a","label":{"level":"public"},"body":{}}`},
		{"bad level", `{"v":1,"type":"login","id":"a","time_ns":1,"actor":"a","label":{"level":"cosmic"},"body":{}}`},
		{"raw account", `{"v":1,"type":"order","id":"a","time_ns":1,"actor":"a","label":{"level":"public"},"body":{"order_id":"a","event":"new","symbol":"A","side":"buy","qty":1,"price":"1","trader":"t","account":"12345678","source":"api"}}`},
		{"unknown reason", `{"v":1,"type":"login","id":"a","time_ns":1,"actor":"a","label":{"level":"public"},"body":{"subject":"a","method":"totp","result":"success","station":"s"},"decision":{"outcome":"reject","reasons":["NOPE"]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse([]byte(tt.in)); err == nil {
				t.Fatalf("Parse(%q) = nil error, want an error", tt.in)
			}
		})
	}
}

func TestParseNonCanonicalBody(t *testing.T) {
	in := `{"v":1,"type":"login","id":"a","time_ns":1,"actor":"a","label":{"level":"public"},"body":{"subject":"a", "method":"totp","result":"success","station":"s"}}`
	if _, err := Parse([]byte(in)); !errors.Is(err, ErrNotCanonical) {
		t.Fatalf("got %v, want ErrNotCanonical", err)
	}
}

func TestCommitment(t *testing.T) {
	o, c := NewOpening("account", "ACCT-1")
	if !IsCommitment(c) || !o.Matches(c) {
		t.Fatalf("opening does not match its own commitment %q", c)
	}
	other := o
	other.Field = "from"
	if other.Matches(c) {
		t.Fatal("a commitment for one field matched as another")
	}
}

func TestLabelDominates(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"confidential/trading", "internal", true},
		{"confidential/trading", "internal/trading", true},
		{"confidential", "internal/trading", false},
		{"internal/trading", "confidential/trading", false},
		{"secret/a,b", "secret/b", true},
	}
	for _, tt := range tests {
		a, err := ParseLabel(tt.a)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ParseLabel(tt.b)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Dominates(b); got != tt.want {
			t.Errorf("%s dominates %s = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	good, _ := sampleOrder(f).Encode()
	f.Add(good)
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Parse(b)
		if err != nil {
			return
		}
		again, err := e.Encode()
		if err != nil || string(again) != string(b) {
			t.Fatalf("accepted entry does not re-encode to the same bytes: %v", err)
		}
	})
}

func TestDecodeAgreesWithParse(t *testing.T) {
	good, err := sampleOrder(t).Encode()
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(good)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(good)
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != p.ID || d.Label.String() != p.Label.String() || string(d.Body) != string(p.Body) ||
		d.Decision.Outcome != p.Decision.Outcome {
		t.Errorf("Decode gave %+v, Parse gave %+v", d, p)
	}
	for _, bad := range []string{"", `{"v":2,"type":"order"}`, `{"v":1,"type":"exe"}`, `{"v":1,"x":1}`, string(good) + "{}"} {
		if _, err := Decode([]byte(bad)); err == nil {
			t.Errorf("Decode(%q) = nil error, want an error", bad)
		}
	}
}
