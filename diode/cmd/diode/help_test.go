package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"bastion/shared/cli"
)

// TestHelpAgreesWithChecks holds the help text to the range tuning.check
// enforces.
func TestHelpAgreesWithChecks(t *testing.T) {
	var out, errb bytes.Buffer
	code := cli.Execute(context.Background(), root(), []string{"send", "--help"}, &out, &errb)
	if code != cli.ExitOK {
		t.Fatalf("send --help: exit %d, stderr %q; want 0", code, errb.String())
	}
	want := "more than 0 and less than 0.5"
	if !strings.Contains(out.String(), want) {
		t.Errorf("send --help does not say %q:\n%s", want, out.String())
	}
	tune := tuning{rate: 1, shardSize: 1024, maxData: 1, designLoss: 0.5}
	if err := tune.check(); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("check(design loss 0.5) = %v, want an error saying %q", err, want)
	}
}

// TestUsageExit runs the command in-process: command-line mistakes exit 2
// with "diode: message" on stderr and nothing on stdout.
func TestUsageExit(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"--bogus"}, "diode: unknown flag: --bogus\n"},
		{"unknown command", []string{"bogus"}, "diode: unknown command \"bogus\" for \"diode\"\n"},
		{"invalid value", []string{"send", "--rate", "fast"}, "diode: invalid argument \"fast\" for \"--rate\" flag: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := cli.Execute(context.Background(), root(), tc.args, &out, &errb)
			if code != cli.ExitUsage || !strings.HasPrefix(errb.String(), tc.want) || out.Len() != 0 {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2, no stdout, stderr %q",
					code, out.String(), errb.String(), tc.want)
			}
		})
	}
}

// TestHelpListsExitCodes: diode --help lists each exit code the command
// returns, and recv --help states the rule of --once.
func TestHelpListsExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"Exit codes:", fmt.Sprintf("\n  %d  success", cli.ExitOK),
			fmt.Sprintf("\n  %d  runtime failure or missing data", cli.ExitFailure),
			fmt.Sprintf("\n  %d  usage error", cli.ExitUsage)}},
		{[]string{"recv", "--help"}, []string{"It exits 0 only if the session delivered at\nleast one batch",
			"--overwrite", "If no session is announced and no datagram arrives for\n--session-timeout, it gives up"}},
		{[]string{"send", "--help"}, []string{`"-" (or no FILE at all) sends stdin`}},
	} {
		var out, errb bytes.Buffer
		code := cli.Execute(context.Background(), root(), tc.args, &out, &errb)
		if code != cli.ExitOK {
			t.Fatalf("%v: exit %d, stderr %q; want 0", tc.args, code, errb.String())
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%v does not say %q:\n%s", tc.args, w, out.String())
			}
		}
	}
}
