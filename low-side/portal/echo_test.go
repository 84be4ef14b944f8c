package portal

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"rita", "rita"},
		{strings.Repeat("a", maxEcho), strings.Repeat("a", maxEcho)},
		{strings.Repeat("a", 5000), strings.Repeat("a", maxEcho) + "…"},
		{strings.Repeat("a", maxEcho-1) + "éé", strings.Repeat("a", maxEcho-1) + "…"},
		{"a\xffb", "a\uFFFDb"},
	}
	for _, tc := range tests {
		got := Clip(tc.in)
		if got != tc.want || !utf8.ValidString(got) {
			t.Errorf("Clip(%.20q…) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
