package main

import (
	"bytes"
	"testing"
)

// TestCommandLineErrors: usage errors exit 2 with one
// "bastion-report: message" line on stderr.
func TestCommandLineErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"--bogus"}, "bastion-report: unknown flag: --bogus\n"},
		{"unknown subcommand flag", []string{"keygen", "--bogus"}, "bastion-report: unknown flag: --bogus\n"},
		{"missing flags", []string{"keygen"}, "bastion-report: required flag(s) \"key\", \"pub\" not set\n"},
		{"argument", []string{"keygen", "--key", "k", "--pub", "p", "x"},
			"bastion-report: unknown command \"x\" for \"bastion-report keygen\"\n"},
		{"empty key", []string{"keygen", "--key", "", "--pub", "p"}, "bastion-report: bad --key: empty value\n"},
		{"empty pub", []string{"keygen", "--key", "k", "--pub="}, "bastion-report: bad --pub: empty value\n"},
		{"empty name", []string{"keygen", "--key", "k", "--pub", "p", "--name", ""},
			"bastion-report: bad --name: empty value\n"},
		{"empty bundle key", []string{"bundle", "--export", "e", "--date", "2026-01-02", "--key", "", "--out", "o"},
			"bastion-report: bad --key: empty value\n"},
		{"empty out", []string{"bundle", "--export", "e", "--date", "2026-01-02", "--key", "k", "--out", ""},
			"bastion-report: bad --out: empty value\n"},
		{"empty kind", []string{"bundle", "--export", "e", "--date", "2026-01-02", "--key", "k", "--out", "o",
			"--kind", ""}, "bastion-report: bad --kind: empty value\n"},
		{"empty kind item", []string{"bundle", "--export", "e", "--date", "2026-01-02", "--key", "k", "--out", "o",
			"--kind", "sox,"}, "bastion-report: bad --kind: empty value\n"},
		{"empty capital", []string{"bundle", "--export", "e", "--date", "2026-01-02", "--key", "k", "--out", "o",
			"--capital", ""}, "bastion-report: bad --capital: empty value\n"},
		{"unknown command", []string{"sign"}, "bastion-report: unknown command \"sign\" for \"bastion-report\"\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, &out, &errb)
			if code != 2 || errb.String() != tc.want || out.Len() != 0 {
				t.Errorf("got exit %d, stdout %q, stderr %q; want exit 2, no stdout, stderr %q",
					code, out.String(), errb.String(), tc.want)
			}
		})
	}
}
