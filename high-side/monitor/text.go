package monitor

import (
	"strconv"

	"github.com/shopspring/decimal"
)

// text is the buffer a decision writes its observed values into. Rules
// append to it and return the span they wrote; when the decision is
// complete the buffer becomes one string and every check's observed value
// a slice of it, so a decision allocates its texts once rather than once
// per rule.
type text struct {
	b []byte
}

// span is the part of a text written by one rule: bytes [from, to).
type span struct {
	from, to int32
}

func (s span) empty() bool { return s.to <= s.from }

// mark returns the current end of t, the start of the next span.
func (t *text) mark() int32 { return int32(len(t.b)) }

// since returns the span written after mark.
func (t *text) since(mark int32) span { return span{mark, int32(len(t.b))} }

func (t *text) str(s string) *text {
	t.b = append(t.b, s...)
	return t
}

func (t *text) int(n int64) *text {
	t.b = strconv.AppendInt(t.b, n, 10)
	return t
}

func (t *text) dec(d decimal.Decimal) *text {
	t.b = appendDecimal(t.b, d)
	return t
}

// maxFastDigits is the most coefficient digits appendDecimal formats
// without the decimal package: the coefficient then fits an int64.
const maxFastDigits = 18

// appendDecimal appends d as d.String() renders it: plain notation, no
// trailing zeros after the point. Coefficients of up to 18 digits are
// formatted here without allocating; others, and the decimal package's
// non-default formatting options, go through d.String().
func appendDecimal(b []byte, d decimal.Decimal) []byte {
	if plainFormat() && d.NumDigits() <= maxFastDigits {
		if out, ok := appendFixed(b, d.CoefficientInt64(), d.Exponent()); ok {
			return out
		}
	}
	return append(b, d.String()...)
}

// plainFormat reports whether the decimal package renders in its default
// form, the one appendFixed reproduces.
func plainFormat() bool {
	return decimal.TrimTrailingZeros && !decimal.UseScientificNotation
}

// appendFixed appends c × 10^e in the form of decimal.Decimal.String, or
// returns false when c × 10^e does not fit an int64 for e > 0.
func appendFixed(b []byte, c int64, e int32) ([]byte, bool) {
	switch {
	case c == 0:
		return append(b, '0'), true
	case e >= 0:
		v, ok := scaleUp(c, e)
		return strconv.AppendInt(b, v, 10), ok
	}
	if c < 0 {
		b = append(b, '-')
	}
	var buf [24]byte
	digits := strconv.AppendUint(buf[:0], absU(c), 10)
	point := len(digits) + int(e) // digits before the point; <= 0 means none
	frac := digits[max(point, 0):]
	for len(frac) > 0 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	if point > 0 {
		b = append(b, digits[:point]...)
	} else {
		b = append(b, '0')
	}
	if len(frac) == 0 {
		return b, true
	}
	b = append(b, '.')
	for range -min(point, 0) {
		b = append(b, '0')
	}
	return append(b, frac...), true
}

// pow10 holds 10^0 to 10^18, every power of ten an int64 holds.
var pow10 = func() [19]int64 {
	var p [19]int64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// scaleUp returns c × 10^e for 0 <= e, and false when it overflows int64.
func scaleUp(c int64, e int32) (int64, bool) {
	if e < 0 || int(e) >= len(pow10) {
		return 0, c == 0 && e >= 0
	}
	p := pow10[e]
	if c > maxInt64/p || c < -maxInt64/p {
		return 0, false
	}
	return c * p, true
}

const maxInt64 = 1<<63 - 1
