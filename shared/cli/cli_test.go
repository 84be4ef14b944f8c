package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// tree is a small command line: "tool" with a group "keys" holding
// "show --dir D" (required) and a leaf "ping N" that fails with "down"
// when N is "0" and with a usage error when N is "bad".
func tree() *cobra.Command {
	root := &cobra.Command{Use: "tool --flags", Short: "A tool"}
	var dir, mode string
	show := &cobra.Command{Use: "show", Args: cobra.NoArgs, RunE: func(c *cobra.Command, _ []string) error {
		c.Println("dir", dir)
		return nil
	}}
	show.Flags().StringVar(&dir, "dir", "", "directory")
	show.Flags().StringVar(&mode, "mode", "", "mode")
	show.MarkFlagRequired("dir")
	var n int
	show.Flags().IntVar(&n, "n", 0, "count")
	keys := &cobra.Command{Use: "keys", Short: "Keys"}
	keys.AddCommand(show)
	ping := &cobra.Command{Use: "ping N", Args: cobra.ExactArgs(1), RunE: func(_ *cobra.Command, a []string) error {
		switch a[0] {
		case "0":
			return errors.New("down")
		case "bad":
			return Usagef("bad N %q", a[0])
		}
		return nil
	}}
	root.AddCommand(keys, ping)
	return root
}

func TestExecute(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string
		stderrHead string
	}{
		{"ok", []string{"keys", "show", "--dir", "d"}, ExitOK, "dir d\n", ""},
		{"help", []string{"keys", "--help"}, ExitOK, "Keys\n\nUsage:", ""},
		{"failure", []string{"ping", "0"}, ExitFailure, "", "tool: down\n"},
		{"usage error from the command", []string{"ping", "bad"}, ExitUsage, "", "tool: bad N \"bad\"\n"},
		{"unknown flag", []string{"keys", "show", "--bogus"}, ExitUsage, "", "tool: unknown flag: --bogus\n"},
		{"unknown root flag", []string{"--bogus"}, ExitUsage, "", "tool: unknown flag: --bogus\n"},
		{"invalid flag value", []string{"keys", "show", "--dir", "d", "--n", "x"}, ExitUsage, "",
			"tool: invalid argument \"x\" for \"--n\" flag"},
		{"missing required flag", []string{"keys", "show"}, ExitUsage, "", "tool: required flag(s) \"dir\" not set\n"},
		{"too many arguments", []string{"ping", "1", "2"}, ExitUsage, "", "tool: accepts 1 arg(s), received 2\n"},
		{"extra argument", []string{"keys", "show", "--dir", "d", "x"}, ExitUsage, "",
			"tool: unknown command \"x\" for \"tool keys show\"\n"},
		{"unknown command", []string{"nope"}, ExitUsage, "", "tool: unknown command \"nope\" for \"tool\"\n"},
		{"unknown subcommand", []string{"keys", "nope"}, ExitUsage, "", "tool: unknown command \"nope\" for \"tool keys\"\n"},
		{"group without command", []string{"keys"}, ExitUsage, "", "Usage:\n  tool keys"},
		{"root without command", nil, ExitUsage, "", "Usage:\n  tool"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Execute(context.Background(), tree(), tc.args, &out, &errb)
			if code != tc.code {
				t.Errorf("exit code: got %d, want %d (stderr %q)", code, tc.code, errb.String())
			}
			if !strings.HasPrefix(out.String(), tc.stdout) || tc.stdout == "" && out.Len() != 0 {
				t.Errorf("stdout: got %q, want %q", out.String(), tc.stdout)
			}
			if !strings.HasPrefix(errb.String(), tc.stderrHead) || tc.stderrHead == "" && errb.Len() != 0 {
				t.Errorf("stderr: got %q, want it to start %q", errb.String(), tc.stderrHead)
			}
		})
	}
}

// TestPrepareTwice runs a command tree prepared twice, as happens when a
// test calls Execute on a package-level root more than once.
func TestPrepareTwice(t *testing.T) {
	root := tree()
	for i := range 2 {
		var out, errb bytes.Buffer
		if code := Execute(context.Background(), root, []string{"ping", "1", "2"}, &out, &errb); code != ExitUsage {
			t.Errorf("run %d: exit code %d, want %d", i, code, ExitUsage)
		}
		if want := "tool: accepts 1 arg(s), received 2\n"; errb.String() != want {
			t.Errorf("run %d: stderr %q, want %q", i, errb.String(), want)
		}
	}
}

func TestUsage(t *testing.T) {
	if Usage(nil) != nil {
		t.Error("Usage(nil) != nil")
	}
	base := errors.New("x")
	u := Usage(base)
	var ue *UsageError
	if !errors.As(u, &ue) || !errors.Is(u, base) {
		t.Errorf("Usage(x) = %#v, want a UsageError wrapping x", u)
	}
	if again := Usage(u); again != u {
		t.Errorf("Usage(Usage(x)) = %#v, want the same error %#v", again, u)
	}
}

// TestGroupWithRequiredFlag: a group whose persistent flag is required
// shows its usage when run without a subcommand, not the missing flag.
func TestGroupWithRequiredFlag(t *testing.T) {
	root := tree()
	root.PersistentFlags().String("config", "", "configuration")
	root.MarkPersistentFlagRequired("config")
	var out, errb bytes.Buffer
	code := Execute(context.Background(), root, nil, &out, &errb)
	if code != ExitUsage || !strings.HasPrefix(errb.String(), "Usage:\n") || out.Len() != 0 {
		t.Errorf("got exit %d, stdout %q, stderr %q; want exit 2 and the usage on stderr", code, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	code = Execute(context.Background(), root, []string{"ping", "1"}, &out, &errb)
	if want := "tool: required flag(s) \"config\" not set\n"; code != ExitUsage || errb.String() != want {
		t.Errorf("ping without --config: got exit %d, stderr %q; want exit 2, stderr %q", code, errb.String(), want)
	}
}
