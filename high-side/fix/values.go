package fix

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Side values (tag 54).
const (
	SideBuy             = "1"
	SideSell            = "2"
	SideSellShort       = "5"
	SideSellShortExempt = "6"
)

// OrdType values (tag 40).
const (
	OrdTypeMarket = "1"
	OrdTypeLimit  = "2"
)

// ExecType (150) and OrdStatus (39) values used in replies.
const (
	StatusNew        = "0"
	StatusCanceled   = "4"
	StatusRejected   = "8"
	StatusPendingNew = "A"
)

// timeLayout is the UTCTimestamp form (FIX 4.4 Vol.1 "Data Types"),
// written with milliseconds; parsing accepts 0 to 9 fractional digits.
const timeLayout = "20060102-15:04:05"

// FormatTime renders t as a UTCTimestamp with milliseconds.
func FormatTime(t time.Time) string { return t.UTC().Format(timeLayout + ".000") }

// Time returns tag t as a UTCTimestamp.
func (m *Message) Time(t Tag) (time.Time, error) {
	v, err := m.Require(t)
	if err != nil {
		return time.Time{}, err
	}
	if len(v) < len(timeLayout) || len(v) > len(timeLayout)+10 {
		return time.Time{}, badFormat(t, v, "not a UTCTimestamp YYYYMMDD-HH:MM:SS[.fff]")
	}
	ts, err := time.Parse(timeLayout, v)
	if err != nil {
		return time.Time{}, badFormat(t, v, "not a UTCTimestamp YYYYMMDD-HH:MM:SS[.fff]")
	}
	return ts, nil
}

// Decimal returns tag t as a FIX float: an optional '-', digits and an
// optional fraction, no exponent (FIX 4.4 Vol.1 "Data Types").
func (m *Message) Decimal(t Tag) (decimal.Decimal, error) {
	v, err := m.Require(t)
	if err != nil {
		return decimal.Decimal{}, err
	}
	return ParseFloat(t, v)
}

// ParseFloat parses v as the FIX float of tag t, at most 32 characters.
func ParseFloat(t Tag, v string) (decimal.Decimal, error) {
	if !isFloat(v) {
		return decimal.Decimal{}, badFormat(t, v, "not a decimal number")
	}
	d, err := decimal.NewFromString(v)
	if err != nil {
		return decimal.Decimal{}, badFormat(t, v, "not a decimal number")
	}
	return d, nil
}

func isFloat(v string) bool {
	if len(v) > 0 && v[0] == '-' {
		v = v[1:]
	}
	if len(v) == 0 || len(v) > 32 || v[0] == '.' || v[len(v)-1] == '.' {
		return false
	}
	dots := 0
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == '.':
			dots++
		case v[i] < '0' || v[i] > '9':
			return false
		}
	}
	return dots <= 1
}

func badFormat(t Tag, v, what string) *FieldError {
	return &FieldError{Tag: t, Reason: RejectIncorrectFormat, Msg: fmt.Sprintf("value %q is %s", clip([]byte(v)), what)}
}

func badValue(t Tag, v, what string) *FieldError {
	return &FieldError{Tag: t, Reason: RejectValueIncorrect, Msg: fmt.Sprintf("value %q %s", clip([]byte(v)), what)}
}
