package scan

// This file keeps the first implementation of the scanner, built on
// encoding/json, as the reference that the byte-level scanner is tested
// against.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// refWalker visits every token of one JSON value and scans its text.
type refWalker struct {
	s     *Scanner
	dec   *json.Decoder
	found []Finding
}

// value reads one JSON value at path.
func (w *refWalker) value(path string, depth int) error {
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
		w.found = append(w.found, w.s.refText(refPathOr(path), t)...)
	case json.Number:
		w.number(path, t.String())
	}
	return nil
}

// object reads the members of an object whose '{' has been consumed.
func (w *refWalker) object(path string, depth int) error {
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
		w.found = append(w.found, w.s.refText(child+" (key)", key)...)
		if err := w.value(child, depth+1); err != nil {
			return err
		}
	}
	return w.close()
}

// array reads the elements of an array whose '[' has been consumed.
func (w *refWalker) array(path string, depth int) error {
	for i := 0; w.dec.More(); i++ {
		if err := w.value(path+"["+strconv.Itoa(i)+"]", depth+1); err != nil {
			return err
		}
	}
	return w.close()
}

// close consumes the '}' or ']' that ends a container.
func (w *refWalker) close() error {
	if _, err := w.dec.Token(); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}

// number scans a JSON number for card numbers, except the envelope
// timestamp.
func (w *refWalker) number(path, text string) {
	if path == "time_ns" {
		return
	}
	if refHasCardNumber(text) {
		w.found = append(w.found, Finding{Rule: RuleCard, Path: refPathOr(path)})
	}
}

func refPathOr(p string) string {
	if p == "" {
		return "$"
	}
	return p
}

// hasCardNumber reports whether s holds 13 to 19 digits, in groups joined
// by single spaces or hyphens, that pass the Luhn check. Every run of
// consecutive groups is tried, so a card number next to other digits in
// the same grouped run is still found.
func refHasCardNumber(s string) bool {
	for _, run := range refDigitRuns(s) {
		for i := range run {
			n := 0
			for j := i; j < len(run); j++ {
				n += len(run[j])
				if n > 19 {
					break
				}
				if n >= 13 && refLuhn(run[i:j+1]) {
					return true
				}
			}
		}
	}
	return false
}

// digitRuns splits s into runs of digit groups: within a run, groups are
// separated by exactly one space or hyphen.
func refDigitRuns(s string) [][]string {
	var runs [][]string
	var cur []string
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && refIsDigit(s[j]) {
			j++
		}
		if j == i {
			if len(cur) > 0 && !(refIsSep(s[i]) && i+1 < len(s) && refIsDigit(s[i+1])) {
				runs, cur = append(runs, cur), nil
			}
			i++
			continue
		}
		cur = append(cur, s[i:j])
		i = j
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	return runs
}

// luhn reports whether the digits of groups pass the Luhn mod 10 check
// (ISO/IEC 7812-1 annex B).
func refLuhn(groups []string) bool {
	sum, double := 0, false
	for g := len(groups) - 1; g >= 0; g-- {
		for i := len(groups[g]) - 1; i >= 0; i-- {
			d := int(groups[g][i] - '0')
			if double {
				if d *= 2; d > 9 {
					d -= 9
				}
			}
			sum += d
			double = !double
		}
	}
	return sum%10 == 0
}

// hasSSN reports whether s holds ddd-dd-dddd (a US SSN or ITIN) or
// dd-ddddddd (an EIN), with hyphens or single spaces, not adjacent to
// another digit.
func refHasSSN(s string) bool {
	for i := 0; i < len(s); i++ {
		if i > 0 && refIsDigit(s[i-1]) {
			continue
		}
		if refShape(s, i, 3, 2, 4) || refShape(s, i, 2, 7) {
			return true
		}
	}
	return false
}

// shape reports whether s at i has digit groups of the given lengths joined
// by one separator each, and no digit right after the last group.
func refShape(s string, i int, groups ...int) bool {
	var sep byte
	for g, n := range groups {
		if g > 0 {
			if i >= len(s) || !refIsSep(s[i]) || (sep != 0 && s[i] != sep) {
				return false
			}
			sep = s[i]
			i++
		}
		for k := 0; k < n; k++ {
			if i >= len(s) || !refIsDigit(s[i]) {
				return false
			}
			i++
		}
	}
	return i == len(s) || !refIsDigit(s[i])
}

// hasEmail reports whether s holds local@domain.tld: a non-empty local part
// of atext and dots, and a domain of at least two labels of letters, digits
// and hyphens whose last label has two or more letters (RFC 5322 §3.4.1,
// RFC 1035 §2.3.1).
func refHasEmail(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '@' || i == 0 || !refIsLocal(s[i-1]) {
			continue
		}
		if refDomainAt(s[i+1:]) {
			return true
		}
	}
	return false
}

// domainAt reports whether s starts with a dotted domain name whose last
// label is alphabetic and at least two characters long.
func refDomainAt(s string) bool {
	labels, cur := 0, 0
	alpha := true
	for i := 0; i <= len(s); i++ {
		if i < len(s) && refIsLabel(s[i]) {
			cur++
			alpha = alpha && refIsLetter(s[i])
			continue
		}
		if cur == 0 {
			break
		}
		labels++
		if labels >= 2 && alpha && cur >= 2 {
			return true
		}
		if i == len(s) || s[i] != '.' {
			break
		}
		cur, alpha = 0, true
	}
	return false
}

// hasName reports whether folded contains a configured name as a sequence
// of whole words. Words are maximal runs of letters and digits; anything
// else separates them, so "john.smith" and "John  Smith" both match the
// name "John Smith".
func (s *Scanner) refHasName(folded string) bool {
	if len(s.names) == 0 {
		return false
	}
	words := strings.FieldsFunc(folded, func(r rune) bool { return !refIsWord(r) })
	for i, w := range words {
		for _, name := range s.names[w] {
			if i+len(name) <= len(words) && slices.Equal(words[i:i+len(name)], name) {
				return true
			}
		}
	}
	return false
}

func refIsWord(r rune) bool   { return unicode.IsLetter(r) || unicode.IsDigit(r) }
func refIsDigit(c byte) bool  { return c >= '0' && c <= '9' }
func refIsSep(c byte) bool    { return c == ' ' || c == '-' }
func refIsLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func refIsLabel(c byte) bool  { return refIsLetter(c) || refIsDigit(c) || c == '-' }

// isLocal reports whether c may end the local part of an address (RFC 5322
// §3.2.3 atext, plus the dot of dot-atom).
func refIsLocal(c byte) bool {
	return refIsLetter(c) || refIsDigit(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' ||
		c == '!' || c == '#' || c == '$' || c == '&' || c == '\'' || c == '*' || c == '/' ||
		c == '=' || c == '?' || c == '^' || c == '`' || c == '{' || c == '|' || c == '}' || c == '~'
}

// refText scans one decoded string as if it were the value at path.
func (s *Scanner) refText(path, text string) []Finding {
	if !utf8.ValidString(text) {
		return []Finding{{Rule: RuleEncoding, Path: path}}
	}
	if refOpaque(text) {
		return nil
	}
	var out []Finding
	add := func(r Rule) { out = append(out, Finding{Rule: r, Path: path}) }
	folded := refFold(text)
	for _, w := range s.dirty {
		if strings.Contains(folded, string(w)) {
			add(RuleDirtyWord)
			break
		}
	}
	if refHasCardNumber(text) {
		add(RuleCard)
	}
	if refHasSSN(text) {
		add(RuleSSN)
	}
	if refHasEmail(text) {
		add(RuleEmail)
	}
	if s.refHasName(folded) {
		add(RuleName)
	}
	return out
}

func refFold(s string) string { return strings.ToLower(strings.ToUpper(s)) }

func refOpaque(s string) bool {
	s = strings.TrimPrefix(s, "c1:")
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

// refEntry is the scanner as first written, on encoding/json's tokenizer;
// the differential tests require Entry to agree with it on every input.
func (s *Scanner) refEntry(raw []byte) ([]Finding, error) {
	if !utf8.Valid(raw) {
		return []Finding{{Rule: RuleEncoding, Path: "$"}}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	w := refWalker{s: s, dec: dec}
	if err := w.value("", 0); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: trailing data", ErrMalformed)
	}
	return w.found, nil
}
