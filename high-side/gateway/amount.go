package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
)

// Bounds on a decimal read from JSON.
const (
	maxAmountText = 40 // characters
	maxExponent   = 20 // |exponent| after reading, so 1e999999999 cannot allocate
)

// Amount is a decimal read from either a JSON number (999.5) or a JSON
// string ("1000.00"), never through float64 (M7). Null, booleans, empty
// strings and text that is not a number are errors.
type Amount struct {
	decimal.Decimal
	Set bool // false when the field was absent
}

// UnmarshalJSON implements json.Unmarshaler.
func (a *Amount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	text := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &text); err != nil {
			return err
		}
	} else if len(b) == 0 || !(b[0] == '-' || b[0] >= '0' && b[0] <= '9') {
		return fmt.Errorf("want a number or a decimal string, got %s", clip(text))
	}
	d, err := parseDecimal(text)
	if err != nil {
		return err
	}
	a.Decimal, a.Set = d, true
	return nil
}

func parseDecimal(s string) (decimal.Decimal, error) {
	if s == "" || len(s) > maxAmountText {
		return decimal.Decimal{}, fmt.Errorf("want a decimal of 1 to %d characters, got %q", maxAmountText, clip(s))
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("not a decimal: %q", clip(s))
	}
	if e := d.Exponent(); e > maxExponent || e < -maxExponent {
		return decimal.Decimal{}, errors.New("decimal exponent out of range")
	}
	return d, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
