package main

import (
	"bytes"
	"strings"
	"testing"

	"bastion/shared/cli"
)

// TestCommandLineErrors runs the command tree in-process: usage errors
// exit 2, other failures 1, each with one "bastionctl: message" line.
// (The tree is shared by the package's tests and flags stay set between
// runs, so a missing required flag is tested in shared/cli instead.)
func TestCommandLineErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", []string{"--bogus"}, cli.ExitUsage, "bastionctl: unknown flag: --bogus\n"},
		{"unknown subcommand flag", []string{"keys", "show", "--bogus"}, cli.ExitUsage,
			"bastionctl: unknown flag: --bogus\n"},
		{"unknown command", []string{"bogus"}, cli.ExitUsage, "bastionctl: unknown command \"bogus\" for \"bastionctl\"\n"},
		{"missing directory", []string{"keys", "show", "--dir", "/nonexistent"}, cli.ExitFailure,
			"bastionctl: ceremony directory /nonexistent does not exist\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := execute(tc.args, &out, &errb)
			if code != tc.code || errb.String() != tc.want || out.Len() != 0 {
				t.Errorf("got exit %d, stdout %q, stderr %q; want exit %d, no stdout, stderr %q",
					code, out.String(), errb.String(), tc.code, tc.want)
			}
		})
	}
}

// TestBacktestHelpDefault: the --data default is stated once.
func TestBacktestHelpDefault(t *testing.T) {
	var out, errb bytes.Buffer
	if code := execute([]string{"backtest", "--help"}, &out, &errb); code != cli.ExitOK {
		t.Fatalf("backtest --help: exit %d, stderr %q", code, errb.String())
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, "--data") {
			if n := strings.Count(line, "(default"); n != 1 {
				t.Errorf("--data help says \"(default\" %d times, want once: %q", n, line)
			}
			return
		}
	}
	t.Errorf("backtest --help has no --data line:\n%s", out.String())
}
