package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"bastion/guard"
	"bastion/guard/guardtest"
	"bastion/shared/cli"
)

// guardState writes a guard configuration below a new folder, runs a guard
// on it that accepts one batch of three entries, closes it and returns the
// configuration file and the parsed configuration.
func guardState(t *testing.T) (string, *guard.Config) {
	t.Helper()
	dir := t.TempDir()
	hs := guardtest.New(t, "test-link")
	keyFile := filepath.Join(dir, "high-side.pub")
	if err := os.WriteFile(keyFile, hs.KeyText(), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "guard.toml")
	toml := fmt.Sprintf(`link = "test-link"
listen = "127.0.0.1:0"
metrics_listen = "127.0.0.1:9464"
hpke_key_file = %q
high_side_key_file = %q
release_label = "confidential/trading"
state_dir = %q
export_dir = %q
`, filepath.Join(dir, "guard.key"), keyFile, filepath.Join(dir, "state"), filepath.Join(dir, "export"))
	if err := os.WriteFile(file, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := guard.LoadConfig(file)
	if err != nil {
		t.Fatal(err)
	}
	g, err := guard.Open(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		hs.Append(t, guardtest.Order(t, i, guardtest.Releasable))
	}
	seq, raw := hs.Next(t)
	if out, err := g.Submit(seq, raw); err != nil || out != guard.Accepted {
		t.Fatalf("Submit = %v, %v; want accepted", out, err)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	return file, cfg
}

// files returns every file below dir, path to size and hash.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		out[path] = fmt.Sprintf("%d bytes, SHA-256 %x", len(b), sha256.Sum256(b))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func execute(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	code = cli.Execute(context.Background(), command(logger), args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestSelfCheckWritesNothing runs "selfcheck" on a stopped guard's state:
// it passes, and the archive, the guard log and the export directory keep
// every byte (no "guard started" line, no "selfcheck" line).
func TestSelfCheckWritesNothing(t *testing.T) {
	file, _ := guardState(t)
	before := files(t, filepath.Dir(file))

	code, stdout, stderr := execute("selfcheck", "--config", file)
	if code != cli.ExitOK || !strings.HasPrefix(stdout, "self-check passed: 1 records, ledger size 3,") ||
		stderr != "" {
		t.Errorf("got exit %d, stdout %q, stderr %q; want exit 0 and a pass over 1 record, size 3",
			code, stdout, stderr)
	}
	if diff := cmp.Diff(before, files(t, filepath.Dir(file))); diff != "" {
		t.Errorf("selfcheck changed files (-before +after):\n%s", diff)
	}
}

// TestSelfCheckRunningGuard runs "selfcheck" while a guard holds the
// archive: exit 1 with one line saying the archive is locked by a running
// guard, naming the file and the metrics address.
func TestSelfCheckRunningGuard(t *testing.T) {
	file, cfg := guardState(t)
	g, err := guard.Open(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()

	code, stdout, stderr := execute("selfcheck", "--config", file)
	wantPrefix := "bastion-guard: failed to open archive: " +
		filepath.Join(cfg.StateDir, guard.ArchiveFile) + " is locked by a running guard"
	if code != cli.ExitFailure || stdout != "" || !strings.HasPrefix(stderr, wantPrefix) ||
		!strings.Contains(stderr, "http://127.0.0.1:9464/metrics") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("got exit %d, stdout %q, stderr %q; want exit 1, "+
			"one line starting %q and naming the metrics address", code, stdout, stderr, wantPrefix)
	}
}

// TestSelfCheckHelp checks that the help says what selfcheck writes.
func TestSelfCheckHelp(t *testing.T) {
	code, stdout, _ := execute("selfcheck", "--help")
	for _, want := range []string{"Nothing is written", "opened read-only", "not recorded in the guard log"} {
		if code != cli.ExitOK || !strings.Contains(stdout, want) {
			t.Errorf("selfcheck --help: exit %d, output lacks %q:\n%s", code, want, stdout)
		}
	}
}
