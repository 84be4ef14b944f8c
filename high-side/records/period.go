package records

import (
	"fmt"
	"strconv"
	"time"
)

// Period is a retention period in calendar units: whole years, months or
// days.
type Period struct {
	Years, Months, Days int
}

// maxPeriodUnits bounds the number in a period ("100y" at most).
const maxPeriodUnits = 100 * 366

// ParsePeriod parses "6y", "12m" or "30d": a positive whole number and one
// unit letter.
func ParsePeriod(s string) (Period, error) {
	if len(s) < 2 {
		return Period{}, fmt.Errorf("malformed period %q: want a number and y, m or d", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 || n > maxPeriodUnits || s[0] == '+' || s[0] == '0' {
		return Period{}, fmt.Errorf("malformed period %q: want a positive whole number", s)
	}
	switch s[len(s)-1] {
	case 'y':
		return Period{Years: n}, nil
	case 'm':
		return Period{Months: n}, nil
	case 'd':
		return Period{Days: n}, nil
	}
	return Period{}, fmt.Errorf("malformed period %q: unit must be y, m or d", s)
}

// String returns the form ParsePeriod reads.
func (p Period) String() string {
	switch {
	case p.Years > 0:
		return strconv.Itoa(p.Years) + "y"
	case p.Months > 0:
		return strconv.Itoa(p.Months) + "m"
	}
	return strconv.Itoa(p.Days) + "d"
}

// Cutoff returns the latest entry time whose retention has ended at now:
// now moved back by p in the calendar (UTC).
func (p Period) Cutoff(now time.Time) time.Time {
	return now.UTC().AddDate(-p.Years, -p.Months, -p.Days)
}
