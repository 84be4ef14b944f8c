package scan

import (
	"fmt"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// walker reads one JSON value (RFC 8259) straight from its bytes and scans
// the decoded text of every object key, every string and every number. It
// builds no tree: each string is decoded into a reused buffer, checked and
// forgotten, and the path of the current value is kept as bytes and turned
// into a string only for a finding.
type walker struct {
	s     *Scanner
	in    []byte
	pos   int
	where []byte // JSON path of the value being read ("body.checks[1].o")
	key   bool   // the text being checked is an object key
	text  []byte // decoded string (when it held escapes)
	sc    scratch
	found []Finding
	clean memo
}

var walkers = sync.Pool{New: func() any { return new(walker) }}

// release returns w to the pool without what it found or read.
func (w *walker) release() {
	w.s, w.in, w.found = nil, nil, nil
	w.pos, w.where, w.key = 0, w.where[:0], false
	walkers.Put(w)
}

// check scans one decoded key or string, unless the same text was found
// clean before.
func (w *walker) check(text []byte) {
	if w.clean.has(w.s, text) {
		return
	}
	n := len(w.found)
	w.found = w.s.appendValid(w.found, &w.sc, text, w)
	if len(w.found) == n {
		w.clean.add(text)
	}
}

// path implements pather: the path of a value, or of a key's member with
// " (key)" after it; "$" for the top-level value.
func (w *walker) path() string {
	switch {
	case w.key:
		return string(w.where) + " (key)"
	case len(w.where) == 0:
		return "$"
	}
	return string(w.where)
}

// malformed returns ErrMalformed with the offset and what was wrong.
func (w *walker) malformed(format string, a ...any) error {
	return fmt.Errorf("%w: offset %d: %s", ErrMalformed, w.pos, fmt.Sprintf(format, a...))
}

// document reads exactly one value, with optional white space around it.
func (w *walker) document() error {
	if err := w.value(0); err != nil {
		return err
	}
	if w.skipSpace(); w.pos != len(w.in) {
		return w.malformed("trailing data")
	}
	return nil
}

// value reads one value at the current path.
func (w *walker) value(depth int) error {
	if depth > MaxDepth {
		return w.malformed("nested deeper than %d", MaxDepth)
	}
	w.skipSpace()
	if w.pos >= len(w.in) {
		return w.malformed("unexpected end of input")
	}
	switch c := w.in[w.pos]; {
	case c == '{':
		return w.object(depth)
	case c == '[':
		return w.array(depth)
	case c == '"':
		text, err := w.str()
		if err != nil {
			return err
		}
		w.check(text)
		return nil
	case c == '-' || isDigit(c):
		return w.number()
	}
	return w.literal()
}

// object reads an object and its members; the '{' is at pos.
func (w *walker) object(depth int) error {
	w.pos++
	base := len(w.where)
	for first := true; ; first = false {
		w.skipSpace()
		if w.pos < len(w.in) && w.in[w.pos] == '}' && first {
			w.pos++
			return nil
		}
		if w.pos >= len(w.in) || w.in[w.pos] != '"' {
			return w.malformed("want an object key")
		}
		key, err := w.str()
		if err != nil {
			return err
		}
		if base > 0 {
			w.where = append(w.where, '.')
		}
		w.where = append(w.where, key...)
		w.key = true
		w.check(key)
		w.key = false
		if err := w.colon(); err != nil {
			return err
		}
		if err := w.value(depth + 1); err != nil {
			return err
		}
		w.where = w.where[:base]
		if done, err := w.next('}'); done || err != nil {
			return err
		}
	}
}

// array reads an array and its elements; the '[' is at pos.
func (w *walker) array(depth int) error {
	w.pos++
	base := len(w.where)
	for i := 0; ; i++ {
		if w.skipSpace(); i == 0 && w.pos < len(w.in) && w.in[w.pos] == ']' {
			w.pos++
			return nil
		}
		w.where = append(w.where, '[')
		w.where = strconv.AppendInt(w.where, int64(i), 10)
		w.where = append(w.where, ']')
		if err := w.value(depth + 1); err != nil {
			return err
		}
		w.where = w.where[:base]
		if done, err := w.next(']'); done || err != nil {
			return err
		}
	}
}

// colon consumes the ':' after an object key.
func (w *walker) colon() error {
	if w.skipSpace(); w.pos >= len(w.in) || w.in[w.pos] != ':' {
		return w.malformed("want ':' after an object key")
	}
	w.pos++
	return nil
}

// next consumes the ',' between members or elements, or the closing
// delimiter end, and reports whether the container ended.
func (w *walker) next(end byte) (bool, error) {
	w.skipSpace()
	switch {
	case w.pos >= len(w.in):
		return false, w.malformed("unexpected end of input")
	case w.in[w.pos] == ',':
		w.pos++
		return false, nil
	case w.in[w.pos] == end:
		w.pos++
		return true, nil
	}
	return false, w.malformed("want ',' or %q", end)
}

// number reads a number (RFC 8259 §6) and scans its text for card numbers,
// except the envelope's top-level timestamp.
func (w *walker) number() error {
	start := w.pos
	if w.in[w.pos] == '-' {
		w.pos++
	}
	switch {
	case w.pos < len(w.in) && w.in[w.pos] == '0':
		w.pos++
	case w.pos < len(w.in) && isDigit(w.in[w.pos]):
		w.digits()
	default:
		return w.malformed("malformed number")
	}
	if w.pos < len(w.in) && w.in[w.pos] == '.' {
		w.pos++
		if !w.digits() {
			return w.malformed("malformed number")
		}
	}
	if w.pos < len(w.in) && (w.in[w.pos] == 'e' || w.in[w.pos] == 'E') {
		if w.pos++; w.pos < len(w.in) && (w.in[w.pos] == '+' || w.in[w.pos] == '-') {
			w.pos++
		}
		if !w.digits() {
			return w.malformed("malformed number")
		}
	}
	if string(w.where) != "time_ns" && hasCardNumber(w.in[start:w.pos], &w.sc.spans) {
		w.found = append(w.found, Finding{Rule: RuleCard, Path: w.path()})
	}
	return nil
}

// digits consumes one or more decimal digits and reports whether there
// was one.
func (w *walker) digits() bool {
	start := w.pos
	for w.pos < len(w.in) && isDigit(w.in[w.pos]) {
		w.pos++
	}
	return w.pos > start
}

// literal reads true, false or null.
func (w *walker) literal() error {
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(w.in)-w.pos >= len(lit) && string(w.in[w.pos:w.pos+len(lit)]) == lit {
			w.pos += len(lit)
			return nil
		}
	}
	return w.malformed("unexpected character %q", w.in[w.pos])
}

func (w *walker) skipSpace() {
	for w.pos < len(w.in) {
		switch w.in[w.pos] {
		case ' ', '\t', '\n', '\r':
			w.pos++
		default:
			return
		}
	}
}

// str reads a string whose '"' is at pos and returns its decoded text
// (RFC 8259 §7). Text without escapes is returned in place; text with
// escapes is decoded into w.text, valid until the next call. A \u escape
// of a lone UTF-16 surrogate decodes to U+FFFD, as encoding/json does.
func (w *walker) str() ([]byte, error) {
	w.pos++
	start := w.pos
	for w.pos < len(w.in) {
		c := w.in[w.pos]
		switch {
		case c == '"':
			w.pos++
			return w.in[start : w.pos-1], nil
		case c == '\\':
			w.text = append(w.text[:0], w.in[start:w.pos]...)
			return w.escaped()
		case c < ' ':
			return nil, w.malformed("control character in string")
		}
		w.pos++
	}
	return nil, w.malformed("unterminated string")
}

// escaped continues str from the first backslash, decoding into w.text.
func (w *walker) escaped() ([]byte, error) {
	for w.pos < len(w.in) {
		c := w.in[w.pos]
		switch {
		case c == '"':
			w.pos++
			return w.text, nil
		case c < ' ':
			return nil, w.malformed("control character in string")
		case c != '\\':
			w.text = append(w.text, c)
			w.pos++
			continue
		}
		if w.pos+1 >= len(w.in) {
			break
		}
		esc := w.in[w.pos+1]
		if r, ok := simpleEscape(esc); ok {
			w.text = append(w.text, r)
			w.pos += 2
			continue
		}
		if esc != 'u' {
			return nil, w.malformed("invalid escape \\%c", esc)
		}
		if err := w.unicodeEscape(); err != nil {
			return nil, err
		}
	}
	return nil, w.malformed("unterminated string")
}

// unicodeEscape decodes a \u escape (four hex digits) at pos, joining a
// surrogate pair.
func (w *walker) unicodeEscape() error {
	r, ok := hex4(w.in[w.pos:])
	if !ok {
		return w.malformed("invalid \\u escape")
	}
	w.pos += 6
	if utf16.IsSurrogate(r) {
		r2, ok := hex4(w.in[w.pos:])
		if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
			w.text = utf8.AppendRune(w.text, dec)
			w.pos += 6
			return nil
		}
		r = utf8.RuneError
	}
	w.text = utf8.AppendRune(w.text, r)
	return nil
}

// simpleEscape returns the byte a one-character escape stands for.
func simpleEscape(c byte) (byte, bool) {
	switch c {
	case '"', '\\', '/':
		return c, true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	}
	return 0, false
}

// hex4 decodes the four hex digits of a \u escape at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	return r, true
}
