package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"

	"bastion/shared/cli"
)

// TestCommandLineErrors runs the command in-process: usage errors exit 2,
// start-up failures 1, each as one plain "bastion-guard: message" line
// rather than a log line.
func TestCommandLineErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", []string{"run", "--bogus"}, cli.ExitUsage, "bastion-guard: unknown flag: --bogus\n"},
		{"missing config", []string{"run"}, cli.ExitUsage, "bastion-guard: required flag(s) \"config\" not set\n"},
		{"argument", []string{"selfcheck", "--config", "g.toml", "x"}, cli.ExitUsage,
			"bastion-guard: unknown command \"x\" for \"bastion-guard selfcheck\"\n"},
		{"unknown command", []string{"start"}, cli.ExitUsage,
			"bastion-guard: unknown command \"start\" for \"bastion-guard\"\n"},
		{"empty config", []string{"selfcheck", "--config", ""}, cli.ExitUsage,
			"bastion-guard: bad --config: empty value\n"},
		{"empty config, run", []string{"run", "--config="}, cli.ExitUsage,
			"bastion-guard: bad --config: empty value\n"},
		{"unreadable config", []string{"run", "--config", "/nonexistent/guard.toml"}, cli.ExitFailure,
			"bastion-guard: invalid guard configuration: open /nonexistent/guard.toml: no such file or directory\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
			code := cli.Execute(context.Background(), command(logger), tc.args, &out, &errb)
			if code != tc.code || errb.String() != tc.want || out.Len() != 0 {
				t.Errorf("got exit %d, stdout %q, stderr %q; want exit %d, no stdout, stderr %q",
					code, out.String(), errb.String(), tc.code, tc.want)
			}
		})
	}
}
