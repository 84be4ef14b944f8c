package monitor

import (
	"math/big"

	"github.com/shopspring/decimal"
)

// priceKey is a price as a map key: two prices have the same key exactly
// when their decimal.Decimal.String renderings are equal (100.5 and
// 100.50 alike). A value is held as c × 10^e with no trailing zero in c
// when c then fits 18 digits, else as its text; taking the key of a price
// of up to 18 digits allocates nothing.
type priceKey struct {
	c int64
	e int32
	s string
}

var (
	bigTen         = big.NewInt(10)
	bigFixedLimit  = big.NewInt(fixedLimit)
	bigNegFixedLim = big.NewInt(-fixedLimit)
)

// priceKeyOf returns the key of d.
func priceKeyOf(d decimal.Decimal) priceKey {
	if !plainFormat() {
		return priceKey{s: d.String()} // the package renders trailing zeros
	}
	if a := numOf(d); !a.big {
		return trimmedKey(a.c, a.e)
	}
	return bigPriceKey(d)
}

// trimmedKey returns the key of c × 10^e, |c| < 10^18.
func trimmedKey(c int64, e int32) priceKey {
	if c == 0 {
		return priceKey{}
	}
	for c%10 == 0 {
		c /= 10
		e++
	}
	return priceKey{c: c, e: e}
}

// bigPriceKey returns the key of a price of more than 18 digits: its
// trailing zeros dropped, it may still fit c.
func bigPriceKey(d decimal.Decimal) priceKey {
	c, e := d.Coefficient(), int64(d.Exponent())
	if c.Sign() == 0 {
		return priceKey{}
	}
	q, r := new(big.Int), new(big.Int)
	for {
		q.QuoRem(c, bigTen, r)
		if r.Sign() != 0 {
			break
		}
		c, q = q, c
		e++
	}
	if c.Cmp(bigFixedLimit) < 0 && c.Cmp(bigNegFixedLim) > 0 {
		return priceKey{c: c.Int64(), e: int32(e)}
	}
	return priceKey{s: d.String()}
}
