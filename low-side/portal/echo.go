package portal

import (
	"strings"
	"unicode/utf8"
)

// maxEcho is the longest piece of input, in bytes, that the portal and its
// command line repeat in a message or a form.
const maxEcho = 64

// Clip returns s fit to be repeated back: invalid UTF-8 replaced and at
// most maxEcho bytes kept, cut on a rune boundary and marked with "…", so
// that hostile input cannot make a page or an error message carry its
// bytes.
func Clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxEcho {
		return s
	}
	cut := maxEcho
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
