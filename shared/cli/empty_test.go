package cli

import (
	"testing"

	"github.com/spf13/pflag"
)

// TestEmptyFlag: a string flag given "", a list flag given no item or an
// empty one is named; flags left out and numbers are not.
func TestEmptyFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"--key", "k.pub"}, ""},
		{[]string{"--key", ""}, "key"},
		{[]string{"--key=k", "--cosigner", "a", "--cosigner", ""}, "cosigner"},
		{[]string{"--kind="}, "kind"},
		{[]string{"--kind", "cat,sox"}, ""},
		{[]string{"--count", "0"}, ""},
	} {
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		fs.String("key", "default.pub", "")
		fs.StringArray("cosigner", nil, "")
		fs.StringSlice("kind", nil, "")
		fs.Int("count", 1, "")
		if err := fs.Parse(tc.args); err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		if got := EmptyFlag(fs); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.args, got, tc.want)
		}
	}
}
