package monitor

import (
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// drawDecimal draws decimals across the small and the big form of num:
// coefficients of up to 20 digits, exponents from -12 to 6.
func drawDecimal(t *rapid.T, label string) decimal.Decimal {
	var c int64
	switch rapid.IntRange(0, 3).Draw(t, label+"_kind") {
	case 0:
		c = rapid.Int64Range(-1000, 1000).Draw(t, label+"_c")
	case 1:
		c = rapid.Int64Range(-1e12, 1e12).Draw(t, label+"_c")
	case 2:
		c = rapid.Int64().Draw(t, label+"_c")
	default:
		big := decimal.New(rapid.Int64().Draw(t, label+"_c"), 0).Mul(decimal.New(rapid.Int64Range(1, 999).Draw(t, label+"_m"), 0))
		return big.Shift(rapid.Int32Range(-12, 6).Draw(t, label+"_e"))
	}
	return decimal.New(c, rapid.Int32Range(-12, 6).Draw(t, label+"_e"))
}

// TestNumMatchesDecimal checks every num operation against the decimal
// package: the same value and the same text.
func TestNumMatchesDecimal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		x, y := drawDecimal(t, "x"), drawDecimal(t, "y")
		a, b := numOf(x), numOf(y)
		prec := rapid.Int32Range(0, 6).Draw(t, "prec")
		cases := []struct {
			op        string
			got, want decimal.Decimal
		}{
			{"add", a.add(b).dec(), x.Add(y)},
			{"sub", a.sub(b).dec(), x.Sub(y)},
			{"mul", a.mul(b).dec(), x.Mul(y)},
			{"abs", a.abs().dec(), x.Abs()},
			{"round", a.round(prec).dec(), x.Round(prec)},
		}
		if !y.IsZero() {
			cases = append(cases, struct {
				op        string
				got, want decimal.Decimal
			}{"divRound", a.divRound(b, prec).dec(), x.DivRound(y, prec)})
		}
		for _, c := range cases {
			if !c.got.Equal(c.want) {
				t.Fatalf("%s(%s, %s): got %s, want %s", c.op, x, y, c.got, c.want)
			}
			var txt text
			if got := string(txt.num(numOf(c.want)).b); got != c.want.String() {
				t.Fatalf("text of %s: got %q, want %q", c.op, got, c.want.String())
			}
		}
		if got, want := a.cmp(b), x.Cmp(y); got != want {
			t.Fatalf("cmp(%s, %s): got %d, want %d", x, y, got, want)
		}
		if got, want := string(appendDecimal(nil, x)), x.String(); got != want {
			t.Fatalf("appendDecimal(%s): got %q, want %q", x, got, want)
		}
	})
}

func TestAppendDecimal(t *testing.T) {
	for _, s := range []string{"0", "0.00", "1", "-1", "100", "1e3", "575.50", "-0.0012", "0.5",
		"123456789012345678", "1234567890123456789012", "12345678901234567.8", "-9.99e-10", "5e17"} {
		d := dec(s)
		if got := string(appendDecimal([]byte("x"), d)); got != "x"+d.String() {
			t.Errorf("appendDecimal(%s): got %q, want %q", s, got, "x"+d.String())
		}
	}
}
