package monitor

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"bastion/shared/entry"

	"github.com/shopspring/decimal"
)

// Amount is a decimal read from a rule pack. It accepts both a TOML string
// ("1000.00") and a TOML number (999.5); either way the digits are parsed
// as written, never through float64, so the two compare exactly.
type Amount struct{ decimal.Decimal }

// NewAmount parses s as an Amount. It returns an error for anything that is
// not a finite decimal.
func NewAmount(s string) (Amount, error) {
	d, err := parseDecimal(s)
	return Amount{d}, err
}

// UnmarshalTOML decodes a quoted or bare TOML value into the amount.
func (a *Amount) UnmarshalTOML(raw []byte) error {
	s, err := scalarText(raw)
	if err != nil {
		return err
	}
	d, err := parseDecimal(s)
	if err != nil {
		return err
	}
	a.Decimal = d
	return nil
}

// parseDecimal parses a finite decimal, allowing TOML digit separators.
func parseDecimal(s string) (decimal.Decimal, error) {
	t := strings.ReplaceAll(strings.TrimSpace(s), "_", "")
	lower := strings.ToLower(t)
	if t == "" || strings.Contains(lower, "inf") || strings.Contains(lower, "nan") ||
		strings.HasPrefix(strings.TrimLeft(lower, "+-"), "0x") {
		return decimal.Decimal{}, fmt.Errorf("%q is not a decimal amount", s)
	}
	d, err := decimal.NewFromString(t)
	if err != nil || !saneDecimal(d) {
		return decimal.Decimal{}, fmt.Errorf("%q is not a decimal amount of at most %d digits", s, maxDigits)
	}
	return d, nil
}

// Bounds on a decimal the monitor accepts. An exponent of a billion is a
// valid decimal but would take gigabytes to print or multiply.
const (
	maxDigits   = 34 // significant digits (IEEE 754 decimal128 holds 34)
	maxExponent = 30 // 10^30 is beyond any amount or price
)

// saneDecimal reports whether d has at most maxDigits significant digits
// and a magnitude and precision within 10^±maxExponent.
func saneDecimal(d decimal.Decimal) bool {
	if d.IsZero() {
		return true
	}
	e, n := int64(d.Exponent()), int64(d.NumDigits())
	return n <= maxDigits && e >= -maxExponent && e+n <= maxExponent
}

// scalarText returns the text of a raw TOML scalar: the contents of a basic
// or literal string without escapes, or a bare number as written.
func scalarText(raw []byte) (string, error) {
	s := strings.TrimSpace(string(raw))
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') {
		if s[len(s)-1] != s[0] || strings.ContainsAny(s[1:len(s)-1], "\"'\\\n") {
			return "", fmt.Errorf("malformed string value %s", s)
		}
		return s[1 : len(s)-1], nil
	}
	if s == "" || strings.ContainsAny(s, "[]{}=\"'") {
		return "", fmt.Errorf("expected a string or a number, got %q", s)
	}
	return s, nil
}

// Duration is a time span written as a Go duration string ("90s", "24h").
type Duration struct{ time.Duration }

// UnmarshalText parses a duration string; negative durations are an error.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("malformed duration %q: use a form like \"90s\" or \"24h\"", b)
	}
	if v < 0 {
		return fmt.Errorf("negative duration %q", b)
	}
	d.Duration = v
	return nil
}

// Action is what a rule does when it fires.
type Action string

// Actions. Off disables the rule; Review holds the submission for a human
// (the check is recorded as an alert); Reject refuses it (the check is
// recorded as a failure).
const (
	Off    Action = "off"
	Review Action = "review"
	Reject Action = "reject"
)

// result returns the check result recorded when a rule with this action fires.
func (a Action) result() entry.CheckResult {
	if a == Reject {
		return entry.Fail
	}
	return entry.Alert
}

// errNoAction is returned by validation for a rule section without action.
var errNoAction = errors.New("missing action: want off, review or reject")

func (a Action) validate() error {
	switch a {
	case Off, Review, Reject:
		return nil
	case "":
		return errNoAction
	}
	return fmt.Errorf("unknown action %q: want off, review or reject", clip(string(a)))
}
