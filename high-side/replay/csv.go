package replay

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// RowError is a malformed row: the file, the 1-based line and the reason.
type RowError struct {
	File string
	Line int
	Err  error
}

// Error implements error as "file:line: reason".
func (e *RowError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

// Unwrap returns the reason.
func (e *RowError) Unwrap() error { return e.Err }

// maxField bounds one CSV field, in bytes.
const maxField = 64

// rows reads a CSV stream with a fixed number of columns, checking the
// header when given, and calls fn with each row and its line.
func rows(r io.Reader, name string, header []string, width int, fn func([]string, int) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	first := true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return &RowError{File: name, Line: pe.Line, Err: pe.Err}
			}
			return fmt.Errorf("failed to read %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0) // only valid after a successful Read
		if len(rec) != width && !(first && header != nil) {
			return &RowError{File: name, Line: line, Err: fmt.Errorf("%d columns, want %d", len(rec), width)}
		}
		if first && header != nil {
			first = false
			if strings.Join(rec, ",") != strings.Join(header, ",") {
				return &RowError{File: name, Line: line, Err: fmt.Errorf("header %q, want %q", strings.Join(rec, ","), strings.Join(header, ","))}
			}
			continue
		}
		if err := fn(rec, line); err != nil {
			var re *RowError
			if errors.As(err, &re) {
				return err
			}
			return &RowError{File: name, Line: line, Err: err}
		}
	}
}

// withFile opens path and runs read over it.
func withFile(path string, read func(io.Reader, string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("failed to open replay data: %w", err)
	}
	defer f.Close()
	return read(f, path)
}

// Column parsers name the column in their errors.

func intColumn(name, v string, min, max int64) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < min || n > max {
		return 0, fmt.Errorf("column %s: %q is not an integer from %d to %d", name, clip(v), min, max)
	}
	return n, nil
}

// decimalColumn accepts plain decimals only: digits, one optional '.',
// an optional leading '-' when negative is true; no exponent.
func decimalColumn(name, v string, negative bool) (decimal.Decimal, error) {
	if !plainDecimal(v, negative) {
		return decimal.Decimal{}, fmt.Errorf("column %s: %q is not a plain decimal", name, clip(v))
	}
	d, err := decimal.NewFromString(v)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("column %s: %q is not a plain decimal", name, clip(v))
	}
	return d, nil
}

func plainDecimal(v string, negative bool) bool {
	if negative && strings.HasPrefix(v, "-") {
		v = v[1:]
	}
	if v == "" || len(v) > maxField || v[0] == '.' || v[len(v)-1] == '.' {
		return false
	}
	dots := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '.':
			dots++
		case c < '0' || c > '9':
			return false
		}
	}
	return dots <= 1
}

func flagColumn(name, v string) (bool, error) {
	switch v {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, fmt.Errorf("column %s: %q is not 0 or 1", name, clip(v))
}

func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}
