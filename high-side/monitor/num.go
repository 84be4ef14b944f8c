package monitor

import (
	"math/bits"

	"github.com/shopspring/decimal"
)

// num is an exact decimal for the arithmetic of one decision. A value
// whose coefficient has at most 18 digits is held as c × 10^e in machine
// integers, and its sums, products and quotients are computed there
// without allocating; any other value, or a result that would not fit,
// is held as a decimal.Decimal and computed by the decimal package. Both
// forms give the same value: results never depend on which was used.
type num struct {
	c   int64 // coefficient, |c| < 10^18, when !big
	e   int32 // exponent, when !big
	big bool
	d   decimal.Decimal // the value, when big
}

// fixedLimit bounds the coefficient of a small num: |c| < 10^18, so a sum
// of two never overflows an int64.
const fixedLimit = 1_000_000_000_000_000_000

// maxFixedExp bounds the exponent of a small num; beyond it the decimal
// package computes.
const maxFixedExp = 1 << 20

func numOf(d decimal.Decimal) num {
	if d.NumDigits() > maxFastDigits {
		return num{big: true, d: d}
	}
	return num{c: d.CoefficientInt64(), e: d.Exponent()}
}

func numInt(n int64) num {
	if n > -fixedLimit && n < fixedLimit {
		return num{c: n}
	}
	return num{big: true, d: decimal.NewFromInt(n)}
}

// small returns c × 10^e as a small num, and false when it is out of
// range.
func small(c int64, e int64) (num, bool) {
	if c <= -fixedLimit || c >= fixedLimit || e > maxFixedExp || e < -maxFixedExp {
		return num{}, false
	}
	return num{c: c, e: int32(e)}, true
}

// dec returns a as a decimal.Decimal.
func (a num) dec() decimal.Decimal {
	if a.big {
		return a.d
	}
	return decimal.New(a.c, a.e)
}

// align returns the coefficients of a and b at their smaller exponent.
func align(a, b num) (x, y int64, e int32, ok bool) {
	switch {
	case a.e == b.e:
		return a.c, b.c, a.e, true
	case a.e > b.e:
		x, ok = scaleUp(a.c, a.e-b.e)
		return x, b.c, b.e, ok
	}
	y, ok = scaleUp(b.c, b.e-a.e)
	return a.c, y, a.e, ok
}

func (a num) add(b num) num {
	if !a.big && !b.big {
		if x, y, e, ok := align(a, b); ok && x > -fixedLimit && x < fixedLimit && y > -fixedLimit && y < fixedLimit {
			if r, ok := small(x+y, int64(e)); ok {
				return r
			}
		}
	}
	return num{big: true, d: a.dec().Add(b.dec())}
}

func (a num) neg() num {
	if a.big {
		return num{big: true, d: a.d.Neg()}
	}
	return num{c: -a.c, e: a.e}
}

func (a num) sub(b num) num { return a.add(b.neg()) }

func (a num) abs() num {
	if a.big {
		return num{big: true, d: a.d.Abs()}
	}
	if a.c < 0 {
		return a.neg()
	}
	return a
}

func (a num) mul(b num) num {
	if !a.big && !b.big {
		hi, lo := bits.Mul64(absU(a.c), absU(b.c))
		if hi == 0 && lo < fixedLimit {
			c := int64(lo)
			if (a.c < 0) != (b.c < 0) {
				c = -c
			}
			if r, ok := small(c, int64(a.e)+int64(b.e)); ok {
				return r
			}
		}
	}
	return num{big: true, d: a.dec().Mul(b.dec())}
}

// cmp compares a with b: -1, 0 or +1.
func (a num) cmp(b num) int {
	if !a.big && !b.big {
		if x, y, _, ok := align(a, b); ok {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	}
	return a.dec().Cmp(b.dec())
}

// divRound returns a / b rounded to prec places, half away from zero, as
// decimal.Decimal.DivRound does. b must not be zero.
func (a num) divRound(b num, prec int32) num {
	if !a.big && !b.big && b.c != 0 {
		if q, ok := divRoundFixed(a, b, prec); ok {
			return q
		}
	}
	return num{big: true, d: a.dec().DivRound(b.dec(), prec)}
}

func divRoundFixed(a, b num, prec int32) (num, bool) {
	// a/b × 10^prec = a.c × 10^k / b.c with k = a.e - b.e + prec.
	n, d, ok := a.c, b.c, true
	if k := int64(a.e) - int64(b.e) + int64(prec); k >= 0 {
		if k > 18 {
			return num{}, false
		}
		n, ok = scaleUp(n, int32(k))
	} else {
		if k < -18 {
			return num{}, false
		}
		d, ok = scaleUp(d, int32(-k))
	}
	if !ok {
		return num{}, false
	}
	q, r := n/d, n%d
	if 2*absU(r) >= absU(d) {
		if (n < 0) != (d < 0) {
			q--
		} else {
			q++
		}
	}
	return small(q, -int64(prec))
}

// round returns a rounded to places decimal places, half away from zero,
// as decimal.Decimal.Round does.
func (a num) round(places int32) num {
	if a.big {
		return num{big: true, d: a.d.Round(places)}
	}
	k := -int64(places) - int64(a.e)
	switch {
	case k <= 0:
		return a
	case k > 18:
		return num{c: 0, e: -places}
	}
	p := pow10[k]
	q, r := a.c/p, a.c%p
	if 2*absU(r) >= uint64(p) {
		if a.c < 0 {
			q--
		} else {
			q++
		}
	}
	return num{c: q, e: -places}
}

func (a num) isZero() bool {
	if a.big {
		return a.d.IsZero()
	}
	return a.c == 0
}

func absU(x int64) uint64 {
	if x < 0 {
		return uint64(-x)
	}
	return uint64(x)
}

// num appends a as decimal.Decimal.String renders it.
func (t *text) num(a num) *text {
	if !a.big && plainFormat() {
		if out, ok := appendFixed(t.b, a.c, a.e); ok {
			t.b = out
			return t
		}
	}
	return t.dec(a.dec())
}

// String returns a as decimal.Decimal.String renders it.
func (a num) String() string {
	var buf [40]byte
	t := text{b: buf[:0]}
	return string(t.num(a).b)
}
