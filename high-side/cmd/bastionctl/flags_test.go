package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"bastion/high-side/hsm"
	"bastion/shared/cli"
	"bastion/shared/hybrid"
)

// resetFlags puts every flag of the command tree back to its default and
// marks it not given, as in a fresh process, now and when t ends: the
// tree is shared by the package's tests.
func resetFlags(t *testing.T) {
	t.Helper()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if sv, ok := f.Value.(pflag.SliceValue); ok {
				sv.Replace(nil)
			} else if err := f.Value.Set(f.DefValue); err != nil {
				t.Fatalf("reset --%s of %s: %v", f.Name, c.CommandPath(), err)
			}
			f.Changed = false
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	t.Cleanup(func() { walk(root) })
}

// TestCeremonyFlagRanges: every out-of-range ceremony flag is refused as
// a usage error naming the flag and its range, and nothing is created;
// zero and negative values are not quietly replaced by defaults.
func TestCeremonyFlagRanges(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"tokens -1", []string{"--tokens", "-1"}, "--tokens -1 is out of range: want 1 to 64"},
		{"tokens 0", []string{"--tokens", "0"}, "--tokens 0 is out of range: want 1 to 64"},
		{"tokens 65", []string{"--tokens", "65"}, "--tokens 65 is out of range: want 1 to 64"},
		{"shares 0", []string{"--shares", "0"}, "--shares 0 is out of range: want 2 to 255"},
		{"shares 256", []string{"--shares", "256"}, "--shares 256 is out of range: want 2 to 255"},
		{"threshold 0", []string{"--threshold", "0"}, "--threshold 0 is out of range: want 2 to 5, the --shares value"},
		{"threshold 1", []string{"--threshold", "1"}, "--threshold 1 is out of range: want 2 to 5, the --shares value"},
		{"threshold over shares", []string{"--threshold", "4", "--shares", "3"},
			"--threshold 4 is out of range: want 2 to 3, the --shares value"},
		{"empty key name", []string{"--key-name", ""}, "--key-name is empty: give it a value or leave it out"},
		{"bad key name", []string{"--key-name", "../x"}, `--key-name "../x" is invalid: want 1 to 64 characters`},
		{"bad suite", []string{"--suite", "RSA"}, `--suite "RSA" is not a suite: want one of MLDSA65-ECDSA-P256-SHA512,`},
	}
	for _, cmd := range [][]string{{"ceremony", "init"}, {"migrate", "--dir", "old", "--effective-size", "1"}} {
		for _, tc := range tests {
			t.Run(cmd[0]+"/"+tc.name, func(t *testing.T) {
				resetFlags(t)
				dir := filepath.Join(t.TempDir(), "c")
				dirFlag := "--dir"
				if cmd[0] == "migrate" {
					dirFlag = "--new-dir"
				}
				args := append(append(append([]string{}, cmd...), dirFlag, dir), tc.args...)
				checkUsageError(t, args, tc.want)
				if _, err := os.Stat(dir); err == nil {
					t.Errorf("a refused %s created %s", cmd[0], dir)
				}
			})
		}
	}
	t.Run("migrate/label prefix", func(t *testing.T) {
		resetFlags(t)
		checkUsageError(t, []string{"migrate", "--dir", "old", "--new-dir", filepath.Join(t.TempDir(), "n"),
			"--effective-size", "1", "--label-prefix", strings.Repeat("p", 29)}, "--label-prefix \""+strings.Repeat("p", 29)+
			"\" is invalid: want 1 to 28 characters")
	})
	t.Run("recover/tokens 0", func(t *testing.T) {
		resetFlags(t)
		dir := filepath.Join(t.TempDir(), "r")
		checkUsageError(t, []string{"ceremony", "recover", "--dir", dir, "--from", "old", "--shares", "a,b",
			"--tokens", "0"}, "--tokens 0 is out of range: want 1 to 64")
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("a refused recovery created %s", dir)
		}
	})
}

// TestEmptyFlagRefused: a flag given an empty value is refused, naming
// it, rather than standing for the default or for stdout.
func TestEmptyFlagRefused(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"rules", "sign", "--key", "k", "--out", "", "pack.toml"}, "--out is empty"},
		{[]string{"rules", "keygen", "--out", ""}, "--out is empty"},
		{[]string{"disclose", "--gateway", "https://127.0.0.1:1", "--pki", "p", "--as", "cco", "--index", "1",
			"--field", "account", "--out", ""}, "--out is empty"},
		{[]string{"backtest", "--data", ""}, "--data is empty"},
		{[]string{"migrate", "--dir", "a", "--new-dir", "b", "--effective-size", "1", "--reason", ""}, "--reason is empty"},
		{[]string{"ceremony", "init", "--dir", "d", "--module", ""}, "--module is empty"},
		{[]string{"ceremony", "recover", "--dir", "d", "--from", "o", "--shares", ""}, "--shares is empty"},
		{[]string{"ceremony", "recover", "--dir", "d", "--from", "o", "--shares", "a,,b"}, "--shares has an empty item"},
		{[]string{"keys", "show", "--dir", ""}, "--dir is empty"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args[:2], " ")+" "+tc.want, func(t *testing.T) {
			resetFlags(t)
			checkUsageError(t, tc.args, tc.want)
		})
	}
}

// checkUsageError runs args and wants exit 2, no stdout and one stderr
// line "bastionctl: " followed by want.
func checkUsageError(t *testing.T, args []string, want string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := execute(args, &out, &errb)
	if code != cli.ExitUsage || !strings.HasPrefix(errb.String(), "bastionctl: "+want) ||
		strings.Count(errb.String(), "\n") != 1 || out.Len() != 0 {
		t.Errorf("%q: got exit %d, stdout %q, stderr %q; want exit %d and stderr %q",
			args, code, out.String(), errb.String(), cli.ExitUsage, "bastionctl: "+want+"...")
	}
}

// TestUsageLinesShowRequiredFlags: a flag a usage line shows outside
// brackets is a required flag; an optional one is shown in brackets.
func TestUsageLinesShowRequiredFlags(t *testing.T) {
	optional := regexp.MustCompile(`\[[^\]]*\]`)
	flag := regexp.MustCompile(`--([a-z][a-z-]*)`)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, m := range flag.FindAllStringSubmatch(optional.ReplaceAllString(c.Use, ""), -1) {
			f := c.Flags().Lookup(m[1])
			if f == nil {
				t.Errorf("%s: usage line %q shows --%s, which the command does not have", c.CommandPath(), c.Use, m[1])
			} else if f.Annotations[cobra.BashCompOneRequiredFlag] == nil {
				t.Errorf("%s: usage line %q shows --%s as required, but it has a default", c.CommandPath(), c.Use, m[1])
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// TestCeremonyChecksNameOnlyFlagsOfCeremonyInit: every refusal of
// checkCeremony names a flag that "ceremony init", which calls it, has.
// The token label prefix has no flag there: hsm.Ceremony checks it.
func TestCeremonyChecksNameOnlyFlagsOfCeremonyInit(t *testing.T) {
	initCmd, _, err := root.Find([]string{"ceremony", "init"})
	if err != nil {
		t.Fatal(err)
	}
	valid := hsm.Ceremony{Tokens: 3, Threshold: 3, Shares: 5, KeyName: "high-side"}
	tests := []struct {
		name   string
		change func(c *hsm.Ceremony)
	}{
		{"tokens", func(c *hsm.Ceremony) { c.Tokens = 0 }},
		{"shares", func(c *hsm.Ceremony) { c.Shares = 256 }},
		{"threshold", func(c *hsm.Ceremony) { c.Threshold = 1 }},
		{"key name", func(c *hsm.Ceremony) { c.KeyName = "../x" }},
		{"label prefix", func(c *hsm.Ceremony) { c.LabelPrefix = strings.Repeat("p", 29) }},
		{"label prefix path", func(c *hsm.Ceremony) { c.LabelPrefix = "../x" }},
	}
	flagName := regexp.MustCompile(`--([a-z][a-z-]*)`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := valid
			tc.change(&c)
			err := checkCeremony(&c, string(hybrid.SuiteMLDSA65P256))
			if err == nil {
				return
			}
			for _, m := range flagName.FindAllStringSubmatch(err.Error(), -1) {
				if initCmd.Flags().Lookup(m[1]) == nil {
					t.Errorf("got %q, which names --%s; ceremony init has no such flag", err, m[1])
				}
			}
		})
	}
}

// TestLabelPrefixFlag: migrate refuses a bad --label-prefix, naming it;
// ceremony init has no such flag and says so.
func TestLabelPrefixFlag(t *testing.T) {
	resetFlags(t)
	checkUsageError(t, []string{"migrate", "--dir", "old", "--new-dir", filepath.Join(t.TempDir(), "n"),
		"--effective-size", "1", "--label-prefix", ".x"}, `--label-prefix ".x" is invalid: want 1 to 28 characters`)
	resetFlags(t)
	checkUsageError(t, []string{"ceremony", "init", "--dir", filepath.Join(t.TempDir(), "c"),
		"--label-prefix", "x"}, "unknown flag: --label-prefix")
}

// TestCeremonyInitFailureLeavesNoDir: "ceremony init" failing at loading
// its module exits 1 and leaves no directory behind, so that a retry with
// the same --dir is not refused; an existing empty --dir stays, empty.
func TestCeremonyInitFailureLeavesNoDir(t *testing.T) {
	tmp := t.TempDir()
	empty := filepath.Join(tmp, "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{filepath.Join(tmp, "x", "cer"), empty} {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			resetFlags(t)
			var out, errb bytes.Buffer
			code := execute([]string{"ceremony", "init", "--dir", dir, "--module", "/nonexistent.so"}, &out, &errb)
			if code != cli.ExitFailure || !strings.Contains(errb.String(), "failed to load module") {
				t.Errorf("got exit %d, stderr %q; want exit %d and a failure to load the module",
					code, errb.String(), cli.ExitFailure)
			}
			entries, err := os.ReadDir(dir)
			switch {
			case dir == empty && (err != nil || len(entries) != 0):
				t.Errorf("existing empty %s: got %d entries, %v; want it kept empty", dir, len(entries), err)
			case dir != empty && !errors.Is(err, os.ErrNotExist):
				t.Errorf("%s: got %v, want it removed", dir, err)
			}
			if dir != empty {
				if _, err := os.Stat(filepath.Dir(dir)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("parent %s made by the run: got %v, want it removed", filepath.Dir(dir), err)
				}
			}
		})
	}
}
