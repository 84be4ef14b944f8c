package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestUsageExit: a command line that asks for nothing, or for something
// unknown, exits 2; without a subcommand the usage goes to stderr.
func TestUsageExit(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		stderrHead string
	}{
		{"no arguments", nil, "Usage:\n  bastion-verify [flags]\n  bastion-verify [command]\n"},
		{"unknown flag", []string{"--bogus"}, "bastion-verify: unknown flag: --bogus\n"},
		{"unknown command", []string{"bogus"}, "bastion-verify: unknown command \"bogus\" for \"bastion-verify\"\n"},
		{"missing key", []string{"archive", "dir"}, "bastion-verify: required flag(s) \"key\" not set\n"},
		{"empty key", []string{"archive", "dir", "--key", ""}, "bastion-verify: bad --key: empty value\n"},
		{"empty cosigner", []string{"archive", "dir", "--key", "k", "--cosigner", ""},
			"bastion-verify: bad --cosigner: empty value\n"},
		{"empty transition", []string{"archive", "dir", "--key", "k", "--transition="},
			"bastion-verify: bad --transition: empty value\n"},
		{"empty checkpoint", []string{"archive", "dir", "--key", "k", "--checkpoint", ""},
			"bastion-verify: bad --checkpoint: empty value\n"},
		{"empty bundle key", []string{"bundle", "b", "--key", ""}, "bastion-verify: bad --key: empty value\n"},
		{"empty previous", []string{"bundle", "b", "--key", "k", "--previous", ""},
			"bastion-verify: bad --previous: empty value\n"},
		{"empty proof key", []string{"proof", "p", "--key", ""}, "bastion-verify: bad --key: empty value\n"},
		{"empty proof cosigner", []string{"proof", "p", "--key", "k", "--cosigner", ""},
			"bastion-verify: bad --cosigner: empty value\n"},
		{"empty disclosure key", []string{"disclosure", "d", "--key", ""}, "bastion-verify: bad --key: empty value\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, &out, &errb)
			if code != 2 || !strings.HasPrefix(errb.String(), tc.stderrHead) || out.Len() != 0 {
				t.Errorf("got exit %d, stdout %q, stderr %q; want exit 2, no stdout, stderr starting %q",
					code, out.String(), errb.String(), tc.stderrHead)
			}
		})
	}
}
