package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"bastion/shared/cli"
)

// TestCommandLineErrors runs the command in-process: mistakes in the
// command line exit 2 with one "bastion-node: message" line on stderr.
func TestCommandLineErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", []string{"--bogus"}, cli.ExitUsage, "bastion-node: unknown flag: --bogus\n"},
		{"missing flags", nil, cli.ExitUsage, "bastion-node: required flag(s) \"config\", \"services\" not set\n"},
		{"argument", []string{"--config", "a", "--services", "b", "x"}, cli.ExitUsage,
			"bastion-node: unknown command \"x\" for \"bastion-node\"\n"},
		{"log level", []string{"--config", "a", "--services", "b", "--log-level", "loud"}, cli.ExitUsage,
			"bastion-node: bad --log-level \"loud\": want debug, info, warn or error\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := cli.Execute(context.Background(), command(), tc.args, &out, &errb)
			if code != tc.code || errb.String() != tc.want || out.Len() != 0 {
				t.Errorf("got exit %d, stdout %q, stderr %q; want exit %d, no stdout, stderr %q",
					code, out.String(), errb.String(), tc.code, tc.want)
			}
		})
	}
}

// TestStartFailure: a configuration that cannot be read exits 1 with a
// plain message.
func TestStartFailure(t *testing.T) {
	var out, errb bytes.Buffer
	args := []string{"--config", "/nonexistent/node.toml", "--services", "/nonexistent/services.toml"}
	code := cli.Execute(context.Background(), command(), args, &out, &errb)
	if code != cli.ExitFailure || !strings.HasPrefix(errb.String(), "bastion-node: ") ||
		!strings.Contains(errb.String(), "/nonexistent/") || strings.Count(errb.String(), "\n") != 1 {
		t.Errorf("got exit %d, stderr %q; want exit 1 and one \"bastion-node: ...\" line naming the file",
			code, errb.String())
	}
}
