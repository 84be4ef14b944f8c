package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"bastion/shared/cli"
)

// TestCommandLineErrors runs the command in-process: usage errors exit 2
// and start-up failures 1, each with one "bastion-portal: message" line;
// a refused start writes nothing.
func TestCommandLineErrors(t *testing.T) {
	dir := t.TempDir()
	export := filepath.Join(dir, "export")
	if err := os.Mkdir(export, 0o755); err != nil {
		t.Fatal(err)
	}
	reports := filepath.Join(dir, "reports")
	logDir := filepath.Join(dir, "guard.log")
	if err := os.Mkdir(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	notDir := filepath.Join(dir, "reports.txt")
	if err := os.WriteFile(notDir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	userAdd := func(name, role, origin string) []string {
		return []string{"user", "add", "--users", filepath.Join(dir, "u"), "--name", name, "--role", role,
			"--origin", origin}
	}
	base := func(exp, guardLog string, more ...string) []string {
		return append([]string{"--export", exp, "--guard-log", guardLog, "--reports-dir", reports}, more...)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", []string{"--bogus"}, cli.ExitUsage, "bastion-portal: unknown flag: --bogus\n"},
		{"missing flags", nil, cli.ExitUsage,
			"bastion-portal: required flag(s) \"export\", \"guard-log\", \"reports-dir\" not set\n"},
		{"invalid value", base(export, "g", "--poll", "often"), cli.ExitUsage,
			"bastion-portal: invalid argument \"often\" for \"--poll\" flag: time: invalid duration \"often\"\n"},
		{"listen", base(export, "g", "--listen", "0.0.0.0:8443"), cli.ExitUsage,
			"bastion-portal: bad --listen \"0.0.0.0:8443\": serving without login and TLS is allowed on loopback only\n"},
		{"zero poll", base(export, "g", "--poll", "0"), cli.ExitUsage,
			"bastion-portal: bad --poll 0s: want a positive interval\n"},
		{"negative poll", base(export, "g", "--poll", "-1s"), cli.ExitUsage,
			"bastion-portal: bad --poll -1s: want a positive interval\n"},
		{"zero reports interval", base(export, "g", "--reports-every", "0s"), cli.ExitUsage,
			"bastion-portal: bad --reports-every 0s: want a positive interval\n"},
		{"zero rate", base(export, "g", "--rate", "0"), cli.ExitUsage,
			"bastion-portal: bad --rate 0: want a positive number of requests per second\n"},
		{"NaN rate", base(export, "g", "--rate", "NaN"), cli.ExitUsage,
			"bastion-portal: bad --rate NaN: want a positive number of requests per second\n"},
		{"port out of range", base(export, "g", "--listen", "127.0.0.1:99999"), cli.ExitUsage,
			"bastion-portal: bad --listen \"127.0.0.1:99999\": port \"99999\" is not a number from 0 to 65535\n"},
		{"user add unknown flag", []string{"user", "add", "--bogus"}, cli.ExitUsage,
			"bastion-portal: unknown flag: --bogus\n"},
		{"user add role", userAdd("a", "boss", "http://localhost:8443"),
			cli.ExitUsage, "bastion-portal: bad --role \"boss\": want one of regulator, auditor, security\n"},
		{"user add long role", userAdd("a", strings.Repeat("r", 5000), "http://localhost:8443"),
			cli.ExitUsage, "bastion-portal: bad --role \"" + strings.Repeat("r", 64) + "…\": want one of "},
		{"user add name", userAdd("Rita", "auditor", "http://localhost:8443"), cli.ExitUsage,
			"bastion-portal: bad --name \"Rita\": want 1 to 64 of a-z 0-9 . _ - starting with a letter or digit\n"},
		{"user add long name", userAdd(strings.Repeat("n", 5000), "auditor", "http://localhost:8443"),
			cli.ExitUsage, "bastion-portal: bad --name \"" + strings.Repeat("n", 64) + "…\": want 1 to 64"},
		{"user add script origin", userAdd("a", "auditor", "javascript:alert(1)"), cli.ExitUsage,
			"bastion-portal: bad --origin \"javascript:alert(1)\": want scheme://host[:port]"},
		{"user add origin with path", userAdd("a", "auditor", "https://portal.example/enrol"), cli.ExitUsage,
			"bastion-portal: bad --origin \"https://portal.example/enrol\": want scheme://host[:port] and nothing else"},
		{"user add http origin", userAdd("a", "auditor", "http://portal.example"), cli.ExitUsage,
			"bastion-portal: bad --origin \"http://portal.example\": http is allowed for a loopback host only"},
		{"user add long origin", userAdd("a", "auditor", "https://"+strings.Repeat("o", 5000)), cli.ExitUsage,
			"bastion-portal: bad --origin \"https://" + strings.Repeat("o", 56) + "…\": host is neither"},
		{"serve origin", base(export, "g", "--users", filepath.Join(dir, "u"), "--origin", "javascript:alert(1)"),
			cli.ExitUsage, "bastion-portal: bad --origin \"javascript:alert(1)\": want scheme://host[:port]"},
		{"empty export", base("", "g"), cli.ExitUsage, "bastion-portal: bad --export: empty value\n"},
		{"empty guard log", base(export, ""), cli.ExitUsage, "bastion-portal: bad --guard-log: empty value\n"},
		{"empty users", base(export, "g", "--users", ""), cli.ExitUsage, "bastion-portal: bad --users: empty value\n"},
		{"empty high-side key", base(export, "g", "--high-side-key", ""), cli.ExitUsage,
			"bastion-portal: bad --high-side-key: empty value\n"},
		{"empty transition", base(export, "g", "--high-side-key", "k", "--transition", ""), cli.ExitUsage,
			"bastion-portal: bad --transition: empty value\n"},
		{"empty tls key", base(export, "g", "--tls-cert", "c", "--tls-key", ""), cli.ExitUsage,
			"bastion-portal: bad --tls-key: empty value\n"},
		{"user add empty users", []string{"user", "add", "--users", "", "--name", "a", "--role", "auditor"},
			cli.ExitUsage, "bastion-portal: bad --users: empty value\n"},
		{"user add empty origin", userAdd("a", "auditor", ""), cli.ExitUsage,
			"bastion-portal: bad --origin: empty value\n"},
		{"user add IPv4-like origin", userAdd("a", "auditor", "https://999.1.1.1"), cli.ExitUsage,
			"bastion-portal: bad --origin \"https://999.1.1.1\": host ends in a number"},
		{"user add mapped loopback origin", userAdd("a", "auditor", "http://[::ffff:127.0.0.1]"), cli.ExitUsage,
			"bastion-portal: bad --origin \"http://[::ffff:127.0.0.1]\": host is an IPv4-mapped IPv6 address"},
		{"missing export", base("/nonexistent", "/nonexistent"), cli.ExitFailure,
			"bastion-portal: export directory /nonexistent does not exist\n"},
		{"guard log not a file", base(export, logDir), cli.ExitFailure,
			"bastion-portal: guard log " + logDir + " is not a regular file\n"},
		{"reports dir is a file", base(export, "g", "--reports-dir", notDir), cli.ExitFailure,
			"bastion-portal: bad --reports-dir " + notDir + ": not a directory\n"},
		{"reports dir below a file", base(export, "g", "--reports-dir", filepath.Join(notDir, "r")),
			cli.ExitFailure, "bastion-portal: bad --reports-dir " + filepath.Join(notDir, "r") + ": not a directory\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := listDir(t, dir)
			var out, errb bytes.Buffer
			code := cli.Execute(context.Background(), command(), tc.args, &out, &errb)
			if code != tc.code || !strings.HasPrefix(errb.String(), tc.want) ||
				strings.Count(errb.String(), "\n") != 1 || out.Len() != 0 {
				t.Errorf("got exit %d, stdout %q, stderr %q; want exit %d, no stdout, one line starting %q",
					code, out.String(), errb.String(), tc.code, tc.want)
			}
			if diff := cmp.Diff(before, listDir(t, dir)); diff != "" {
				t.Errorf("refused command changed the directory (-before +after):\n%s", diff)
			}
		})
	}
}

// TestUserAddHelpListsOutput holds the help of "user add" to the keys
// addUser prints.
func TestUserAddHelpListsOutput(t *testing.T) {
	var out bytes.Buffer
	o := userAddOptions{users: filepath.Join(t.TempDir(), "users.toml"), name: "rita", role: "regulator",
		origin: "http://localhost:8443", valid: time.Hour}
	if err := addUser(&out, o, time.Now()); err != nil {
		t.Fatal(err)
	}
	var printed []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		key, _, _ := strings.Cut(line, ": ")
		printed = append(printed, key)
	}
	help := strings.ReplaceAll(userAddCommand().Long, "\n", " ")
	_, list, _ := strings.Cut(help, "in this order: ")
	list, _, _ = strings.Cut(list, " (")
	if diff := cmp.Diff(printed, strings.Split(list, ", ")); diff != "" {
		t.Errorf("keys printed (-) and listed in the help (+) differ:\n%s", diff)
	}
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}
