package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bastion/shared/cli"
)

// TestCommandLineErrors runs the command in-process: usage errors exit 2,
// start-up failures 1, each with one "bastion-appliance: message" line.
func TestCommandLineErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", []string{"--bogus"}, cli.ExitUsage, "bastion-appliance: unknown flag: --bogus\n"},
		{"invalid value", []string{"--limit", "many"}, cli.ExitUsage,
			"bastion-appliance: invalid argument \"many\" for \"--limit\" flag"},
		{"argument", []string{"x"}, cli.ExitUsage, "bastion-appliance: unknown command \"x\" for \"bastion-appliance\"\n"},
		{"negative limit", []string{"--limit", "-5"}, cli.ExitUsage,
			"bastion-appliance: bad --limit -5: want 0 (all) or a positive count\n"},
		{"zero timeout", []string{"--timeout", "0"}, cli.ExitUsage,
			"bastion-appliance: bad --timeout 0s: want a positive duration\n"},
		{"missing data", []string{"--data", "/nonexistent/data"}, cli.ExitUsage,
			"bastion-appliance: bad --data /nonexistent/data: not a folder\n"},
		{"missing config", []string{"--config", "/nonexistent/appliance.toml"}, cli.ExitFailure,
			"bastion-appliance: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := cli.Execute(context.Background(), command(), tc.args, &out, &errb)
			if code != tc.code || !strings.HasPrefix(errb.String(), tc.want) ||
				strings.Count(errb.String(), "\n") != 1 || out.Len() != 0 {
				t.Errorf("got exit %d, stdout %q, stderr %q; want exit %d, no stdout, one line starting %q",
					code, out.String(), errb.String(), tc.code, tc.want)
			}
		})
	}
}

// TestConfigNotFiniteRefusedUpFront gives a configuration whose link.loss
// is nan: the command refuses it before anything starts, naming the file
// and the key, and creates no state directory.
func TestConfigNotFiniteRefusedUpFront(t *testing.T) {
	dir := t.TempDir()
	cfg, state := filepath.Join(dir, "c7.toml"), filepath.Join(dir, "state")
	if err := os.WriteFile(cfg, []byte("[link]\nloss = nan\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := cli.Execute(context.Background(), command(),
		[]string{"--bin", filepath.Join(dir, "bin"), "--state", state, "--config", cfg, "--once"}, &out, &errb)
	want := "bastion-appliance: " + cfg + ": link.loss: NaN out of range [0, 0.5)\n"
	if code != cli.ExitFailure || errb.String() != want || out.Len() != 0 {
		t.Errorf("got exit %d, stdout %q, stderr %q; want exit %d, stderr %q",
			code, out.String(), errb.String(), cli.ExitFailure, want)
	}
	if _, err := os.Stat(state); err == nil {
		t.Errorf("state directory %s created", state)
	}
}
