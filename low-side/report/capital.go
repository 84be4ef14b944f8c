package report

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/shopspring/decimal"
)

// ErrNoCapital is returned by Build for KindBasel without capital inputs.
var ErrNoCapital = errors.New("the Basel III report needs capital inputs ([report.capital])")

// MaxCapitalFileSize bounds the capital input file, in bytes.
const MaxCapitalFileSize = 1 << 20

// Capital is the configured capital input of the Basel III report. Every
// amount is a decimal in major units of Currency (for example dollars and
// cents for USD, "1250000000.00"), never a float.
type Capital struct {
	// Currency is the ISO 4217 reporting currency, e.g. "USD". Order
	// prices are taken to be in this currency.
	Currency string `json:"currency"`
	// Tier1 is Tier 1 capital (CET1 plus Additional Tier 1), Basel III
	// LEX 20.1 and LEV 10.1; must be positive.
	Tier1 decimal.Decimal `json:"tier1_capital"`
	// OtherExposure is the part of the leverage exposure measure that the
	// ledger does not hold (other on- and off-balance-sheet items); zero
	// if not configured.
	OtherExposure decimal.Decimal `json:"other_exposure"`
	// FX converts a payment currency into Currency: units of Currency per
	// one unit of the key currency. A payment in a currency without a rate
	// is listed as excluded.
	FX map[string]decimal.Decimal `json:"fx"`
	// AsOf is the date the capital figures were measured, YYYY-MM-DD.
	AsOf string `json:"as_of"`
}

// capitalFile is the TOML form: a [report.capital] table whose amounts
// are strings, so that no amount passes through a float.
type capitalFile struct {
	Report struct {
		Capital *struct {
			Currency      string            `toml:"currency"`
			Tier1         string            `toml:"tier1_capital"`
			OtherExposure string            `toml:"other_exposure"`
			AsOf          string            `toml:"as_of"`
			FX            map[string]string `toml:"fx"`
		} `toml:"capital"`
	} `toml:"report"`
}

// LoadCapital reads the [report.capital] table of the TOML file at path
// (a file of its own or the appliance configuration). It returns an error
// naming the file and key that is missing or malformed.
func LoadCapital(path string) (*Capital, error) {
	b, err := readLimited(path, MaxCapitalFileSize)
	if err != nil {
		return nil, err
	}
	c, err := ParseCapital(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseCapital parses the [report.capital] table of a TOML document, for
// example:
//
//	[report.capital]
//	currency = "USD"
//	tier1_capital = "1000000.00"
//	other_exposure = "20000000.00"
//	as_of = "2012-06-30"
//	fx = { EUR = "1.25" }
func ParseCapital(b []byte) (*Capital, error) {
	var f capitalFile
	if err := toml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("malformed capital inputs: %v", err)
	}
	in := f.Report.Capital
	if in == nil {
		return nil, errors.New("no [report.capital] table")
	}
	c := &Capital{Currency: in.Currency, AsOf: in.AsOf, FX: map[string]decimal.Decimal{}}
	if !validCurrency(c.Currency) {
		return nil, fmt.Errorf("report.capital.currency %q: want three letters A-Z", c.Currency)
	}
	var err error
	if c.Tier1, err = amount("tier1_capital", in.Tier1, true); err != nil {
		return nil, err
	}
	if c.OtherExposure, err = amount("other_exposure", in.OtherExposure, false); err != nil {
		return nil, err
	}
	for _, cur := range slices.Sorted(maps.Keys(in.FX)) {
		if !validCurrency(cur) {
			return nil, fmt.Errorf("report.capital.fx: bad currency %q", cur)
		}
		if c.FX[cur], err = amount("fx."+cur, in.FX[cur], true); err != nil {
			return nil, err
		}
	}
	return c, c.validAsOf()
}

// amount parses one non-negative decimal; "" is zero unless required.
// A required amount must be positive.
func amount(key, s string, required bool) (decimal.Decimal, error) {
	if s == "" && !required {
		return decimal.Zero, nil
	}
	d, err := decimal.NewFromString(s)
	switch {
	case err != nil:
		return d, fmt.Errorf("report.capital.%s %q: not a decimal amount", key, s)
	case d.IsNegative() || required && !d.IsPositive():
		return d, fmt.Errorf("report.capital.%s %s: must be %s", key, s, map[bool]string{true: "positive", false: "zero or more"}[required])
	}
	return d, nil
}

func (c *Capital) validAsOf() error {
	if c.AsOf == "" {
		return nil
	}
	if t, err := time.Parse(dateLayout, c.AsOf); err != nil || t.Format(dateLayout) != c.AsOf {
		return fmt.Errorf("report.capital.as_of %q: want YYYY-MM-DD", c.AsOf)
	}
	return nil
}

// rate returns the units of the reporting currency per unit of cur.
func (c *Capital) rate(cur string) (decimal.Decimal, bool) {
	if cur == c.Currency {
		return decimal.NewFromInt(1), true
	}
	r, ok := c.FX[cur]
	return r, ok
}

func validCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := range 3 {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
