package scan

import (
	"slices"
	"strings"
	"unicode"
)

// hasCardNumber reports whether s holds 13 to 19 digits, in groups joined
// by single spaces or hyphens, that pass the Luhn check. Every run of
// consecutive groups is tried, so a card number next to other digits in
// the same grouped run is still found.
func hasCardNumber(s string) bool {
	for _, run := range digitRuns(s) {
		for i := range run {
			n := 0
			for j := i; j < len(run); j++ {
				n += len(run[j])
				if n > 19 {
					break
				}
				if n >= 13 && luhn(run[i:j+1]) {
					return true
				}
			}
		}
	}
	return false
}

// digitRuns splits s into runs of digit groups: within a run, groups are
// separated by exactly one space or hyphen.
func digitRuns(s string) [][]string {
	var runs [][]string
	var cur []string
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j == i {
			if len(cur) > 0 && !(isSep(s[i]) && i+1 < len(s) && isDigit(s[i+1])) {
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
func luhn(groups []string) bool {
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
func hasSSN(s string) bool {
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
func shape(s string, i int, groups ...int) bool {
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
func hasEmail(s string) bool {
	for i := 0; i < len(s); i++ {
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
func domainAt(s string) bool {
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
func (s *Scanner) hasName(folded string) bool {
	if len(s.names) == 0 {
		return false
	}
	words := strings.FieldsFunc(folded, func(r rune) bool { return !isWord(r) })
	for i, w := range words {
		for _, name := range s.names[w] {
			if i+len(name) <= len(words) && slices.Equal(words[i:i+len(name)], name) {
				return true
			}
		}
	}
	return false
}

func isWord(r rune) bool   { return unicode.IsLetter(r) || unicode.IsDigit(r) }
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
