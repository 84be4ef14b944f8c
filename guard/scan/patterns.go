package scan

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// span is a half-open byte range [start, end) of a text.
type span struct{ start, end int }

// hasCardNumber reports whether s holds 13 to 19 digits, in groups joined
// by single spaces or hyphens, that pass the Luhn check. Every run of
// consecutive groups is tried, so a card number next to other digits in
// the same grouped run is still found. groups is scratch space.
func hasCardNumber(s []byte, groups *[]span) bool {
	if countDigits(s) < 13 {
		return false
	}
	run := (*groups)[:0]
	defer func() { *groups = run[:0] }()
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j > i {
			run = append(run, span{i, j})
			i = j
			continue
		}
		// A single separator followed by a digit continues the run.
		if len(run) > 0 && !(isSep(s[i]) && i+1 < len(s) && isDigit(s[i+1])) {
			if cardInRun(s, run) {
				return true
			}
			run = run[:0]
		}
		i++
	}
	return len(run) > 0 && cardInRun(s, run)
}

// cardInRun tries every sequence of consecutive groups of one run.
func cardInRun(s []byte, run []span) bool {
	for i := range run {
		n := 0
		for j := i; j < len(run); j++ {
			n += run[j].end - run[j].start
			if n > 19 {
				break
			}
			if n >= 13 && luhn(s, run[i:j+1]) {
				return true
			}
		}
	}
	return false
}

// luhn reports whether the digits of groups pass the Luhn mod 10 check
// (ISO/IEC 7812-1 annex B).
func luhn(s []byte, groups []span) bool {
	sum, double := 0, false
	for g := len(groups) - 1; g >= 0; g-- {
		for i := groups[g].end - 1; i >= groups[g].start; i-- {
			d := int(s[i] - '0')
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
func hasSSN(s []byte) bool {
	if countDigits(s) < 9 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i > 0 && isDigit(s[i-1]) {
			continue
		}
		if shape(s, i, 3, 2, 4) || shape(s, i, 2, 7) {
			return true
		}
	}
	return false
}

// shape reports whether s at i has digit groups of the given lengths joined
// by one separator each, and no digit right after the last group.
func shape(s []byte, i int, groups ...int) bool {
	var sep byte
	for g, n := range groups {
		if g > 0 {
			if i >= len(s) || !isSep(s[i]) || (sep != 0 && s[i] != sep) {
				return false
			}
			sep = s[i]
			i++
		}
		for k := 0; k < n; k++ {
			if i >= len(s) || !isDigit(s[i]) {
				return false
			}
			i++
		}
	}
	return i == len(s) || !isDigit(s[i])
}

// hasEmail reports whether s holds local@domain.tld: a non-empty local part
// of atext and dots, and a domain of at least two labels of letters, digits
// and hyphens whose last label has two or more letters (RFC 5322 §3.4.1,
// RFC 1035 §2.3.1).
func hasEmail(s []byte) bool {
	for i := bytes.IndexByte(s, '@'); i >= 0 && i < len(s); i++ {
		if s[i] != '@' || i == 0 || !isLocal(s[i-1]) {
			continue
		}
		if domainAt(s[i+1:]) {
			return true
		}
	}
	return false
}

// domainAt reports whether s starts with a dotted domain name whose last
// label is alphabetic and at least two characters long.
func domainAt(s []byte) bool {
	labels, cur := 0, 0
	alpha := true
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isLabel(s[i]) {
			cur++
			alpha = alpha && isLetter(s[i])
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
func (s *Scanner) hasName(folded []byte) bool {
	if len(s.names) == 0 {
		return false
	}
	for w, ok := nextWord(folded, 0); ok; w, ok = nextWord(folded, w.end) {
		first := folded[w.start:w.end]
		if !s.firstBytes[first[0]] {
			continue
		}
		for _, name := range s.names[string(first)] {
			if nameAt(folded, w.end, name[1:]) {
				return true
			}
		}
	}
	return false
}

// nameAt reports whether the words of s from offset i on start with rest.
func nameAt(s []byte, i int, rest []string) bool {
	for _, want := range rest {
		w, ok := nextWord(s, i)
		if !ok || string(s[w.start:w.end]) != want {
			return false
		}
		i = w.end
	}
	return true
}

// nextWord returns the first word of s at or after offset i: a maximal
// run of Unicode letters and digits.
func nextWord(s []byte, i int) (span, bool) {
	start := -1
	for i < len(s) {
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRune(s[i:])
		}
		switch word := isWord(r); {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			return span{start, i}, true
		}
		i += n
	}
	return span{start, len(s)}, start >= 0
}

func countDigits(s []byte) int {
	n := 0
	for _, c := range s {
		if isDigit(c) {
			n++
		}
	}
	return n
}

func isWord(r rune) bool {
	if r < utf8.RuneSelf {
		return isLetter(byte(r)) || isDigit(byte(r))
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isSep(c byte) bool    { return c == ' ' || c == '-' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isLabel(c byte) bool  { return isLetter(c) || isDigit(c) || c == '-' }

// isLocal reports whether c may end the local part of an address (RFC 5322
// §3.2.3 atext, plus the dot of dot-atom).
func isLocal(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' ||
		c == '!' || c == '#' || c == '$' || c == '&' || c == '\'' || c == '*' || c == '/' ||
		c == '=' || c == '?' || c == '^' || c == '`' || c == '{' || c == '|' || c == '}' || c == '~'
}
