// Package scan finds personal data and forbidden words in ledger entries
// before they leave the guard.
//
// The scanner works on decoded text: every JSON string value, every object
// key and every number of an entry is decoded and examined, so an escape
// such as \u0053 cannot hide a letter, and a word is found wherever it sits
// in a field, not only at its start. Bytes that are not valid UTF-8 are
// rejected before anything is decoded (Go's JSON decoder would otherwise
// replace them silently).
//
// What counts as a finding:
//
//   - a payment card number: 13 to 19 digits, optionally grouped by single
//     spaces or hyphens, that passes the Luhn check (ISO/IEC 7812-1 annex B);
//   - a US social security number or ITIN, ddd-dd-dddd (hyphens or single
//     spaces), or an employer identification number, dd-ddddddd;
//   - an e-mail address, local@domain.tld (RFC 5322 §3.4.1 addr-spec, dot-atom
//     form only);
//   - a name from the configured list, as a whole word, case-insensitive;
//   - a dirty word from the configured list, anywhere, case-insensitive.
//
// A salted commitment ("c1:" and 64 hex digits, see package entry) and a
// bare 64-hex-digit digest are random hex by construction: a value of
// exactly that shape carries no readable text and is not searched (a
// dirty word spelt in hex digits would otherwise match by chance). The top-level
// "time_ns" number of the entry envelope is a timestamp and is not searched
// for card numbers.
//
// A Finding names the rule and the JSON path of the field, never the value,
// so findings can be logged.
package scan

import (
	"bytes"
	"errors"
	"strings"
	"unicode/utf8"
)

// Rule names a kind of finding.
type Rule string

// Rules, as they appear in findings and in the guard log.
const (
	RuleCard      Rule = "card_number"
	RuleSSN       Rule = "ssn_tin"
	RuleEmail     Rule = "email"
	RuleName      Rule = "personal_name"
	RuleDirtyWord Rule = "dirty_word"
	RuleEncoding  Rule = "invalid_utf8"
)

// Finding is one match. Path is the JSON path of the field ("body.note",
// "decision.checks[0].observed"); the matched text itself is never kept.
type Finding struct {
	Rule Rule
	Path string
}

// String renders the finding for a log line: rule and path, no value.
func (f Finding) String() string { return string(f.Rule) + " in " + f.Path }

// MaxDepth bounds the nesting of JSON values the scanner walks.
const MaxDepth = 32

// ErrMalformed is returned by Entry when the input is not one JSON value.
var ErrMalformed = errors.New("malformed JSON")

// Scanner holds the configured word lists. A Scanner is immutable after
// New and safe for concurrent use.
type Scanner struct {
	names      map[string][][]string // folded names, split into words, by first word
	firstBytes [256]bool             // first bytes of the names' first words
	dirty      [][]byte              // folded dirty words
}

// New returns a scanner for the given personal names and dirty words. Empty
// and blank list items are ignored. Matching is case-insensitive.
func New(names, dirtyWords []string) *Scanner {
	s := &Scanner{names: map[string][][]string{}}
	for _, n := range names {
		w := strings.FieldsFunc(foldString(n), func(r rune) bool { return !isWord(r) })
		if len(w) > 0 {
			s.names[w[0]] = append(s.names[w[0]], w)
			s.firstBytes[w[0][0]] = true
		}
	}
	for _, w := range dirtyWords {
		if f := foldString(strings.TrimSpace(w)); f != "" {
			s.dirty = append(s.dirty, []byte(f))
		}
	}
	return s
}

// Entry scans one encoded JSON value (RFC 8259) and returns every finding,
// in document order. It returns ErrMalformed for input that is not exactly
// one JSON value or nests deeper than MaxDepth; invalid UTF-8 is a finding
// (RuleEncoding), not an error, so callers treat both as a rejection.
func (s *Scanner) Entry(raw []byte) ([]Finding, error) {
	if !utf8.Valid(raw) {
		return []Finding{{Rule: RuleEncoding, Path: "$"}}, nil
	}
	w := walkers.Get().(*walker)
	defer w.release()
	w.s, w.in = s, raw
	if err := w.document(); err != nil {
		return nil, err
	}
	return w.found, nil
}

// Text scans one decoded string as if it were the value at path.
func (s *Scanner) Text(path, text string) []Finding {
	var sc scratch
	return s.appendText(nil, &sc, []byte(text), fixedPath(path))
}

// pather names the field being scanned. Its path is built only when there
// is a finding.
type pather interface{ path() string }

// fixedPath is a path known in advance.
type fixedPath string

func (p fixedPath) path() string { return string(p) }

// appendText appends the findings in text to out, in rule order.
func (s *Scanner) appendText(out []Finding, sc *scratch, text []byte, at pather) []Finding {
	if !utf8.Valid(text) {
		return append(out, Finding{Rule: RuleEncoding, Path: at.path()})
	}
	return s.appendValid(out, sc, text, at)
}

// appendValid is appendText for text known to be valid UTF-8: every key
// and string the walker decodes from an entry that is valid UTF-8 as a
// whole (substrings cut at ASCII quotes and backslashes, escapes encoded
// by utf8.AppendRune).
func (s *Scanner) appendValid(out []Finding, sc *scratch, text []byte, at pather) []Finding {
	if opaque(text) {
		return out
	}
	folded := sc.fold(text)
	var p string
	add := func(r Rule) {
		if p == "" {
			p = at.path()
		}
		out = append(out, Finding{Rule: r, Path: p})
	}
	for _, w := range s.dirty {
		if bytes.Contains(folded, w) {
			add(RuleDirtyWord)
			break
		}
	}
	if hasCardNumber(text, &sc.spans) {
		add(RuleCard)
	}
	if hasSSN(text) {
		add(RuleSSN)
	}
	if hasEmail(text) {
		add(RuleEmail)
	}
	if s.hasName(folded) {
		add(RuleName)
	}
	return out
}

// scratch is reusable working memory for scanning one text at a time.
type scratch struct {
	folded []byte
	spans  []span
}

// fold returns text in the case-insensitive form used for matching: upper
// case, then lower case (Unicode simple case mapping). ASCII text, the
// common case, is folded into sc's buffer without allocating.
func (sc *scratch) fold(text []byte) []byte {
	for _, c := range text {
		if c >= utf8.RuneSelf {
			return bytes.ToLower(bytes.ToUpper(text))
		}
	}
	sc.folded = append(sc.folded[:0], text...)
	for i, c := range sc.folded {
		if 'A' <= c && c <= 'Z' {
			sc.folded[i] = c + 'a' - 'A'
		}
	}
	return sc.folded
}

// foldString is fold for configuration strings.
func foldString(s string) string { return strings.ToLower(strings.ToUpper(s)) }

// opaque reports whether s is a commitment or a bare SHA-256 hex digest.
func opaque(s []byte) bool {
	s = bytes.TrimPrefix(s, []byte("c1:"))
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !isHex(c) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
