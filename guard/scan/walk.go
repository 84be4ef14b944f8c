package scan

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// walker visits every token of one JSON value and scans its text.
type walker struct {
	s     *Scanner
	dec   *json.Decoder
	found []Finding
}

// value reads one JSON value at path.
func (w *walker) value(path string, depth int) error {
	if depth > MaxDepth {
		return fmt.Errorf("%w: nested deeper than %d", ErrMalformed, MaxDepth)
	}
	tok, err := w.dec.Token()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return w.object(path, depth)
		}
		if t == '[' {
			return w.array(path, depth)
		}
		return fmt.Errorf("%w: unexpected %q", ErrMalformed, t)
	case string:
		w.found = append(w.found, w.s.Text(pathOr(path), t)...)
	case json.Number:
		w.number(path, t.String())
	}
	return nil
}

// object reads the members of an object whose '{' has been consumed.
func (w *walker) object(path string, depth int) error {
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		key, _ := tok.(string)
		child := key
		if path != "" {
			child = path + "." + key
		}
		w.found = append(w.found, w.s.Text(child+" (key)", key)...)
		if err := w.value(child, depth+1); err != nil {
			return err
		}
	}
	return w.close()
}

// array reads the elements of an array whose '[' has been consumed.
func (w *walker) array(path string, depth int) error {
	for i := 0; w.dec.More(); i++ {
		if err := w.value(path+"["+strconv.Itoa(i)+"]", depth+1); err != nil {
			return err
		}
	}
	return w.close()
}

// close consumes the '}' or ']' that ends a container.
func (w *walker) close() error {
	if _, err := w.dec.Token(); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}

// number scans a JSON number for card numbers, except the envelope
// timestamp.
func (w *walker) number(path, text string) {
	if path == "time_ns" {
		return
	}
	if hasCardNumber(text) {
		w.found = append(w.found, Finding{Rule: RuleCard, Path: pathOr(path)})
	}
}

func pathOr(p string) string {
	if p == "" {
		return "$"
	}
	return p
}
