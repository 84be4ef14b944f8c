package guard

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"bastion/guard/auditlog"
	"bastion/guard/guardtest"
)

// stoppedRig returns a rig whose guard accepted two batches (five entries)
// and was then closed.
func stoppedRig(t *testing.T) *rig {
	t.Helper()
	r := newRig(t)
	for seq := range uint64(2) {
		r.orders(int(2 + seq))
		s, raw := r.hs.Next(t)
		r.submit(s, raw, Accepted)
	}
	r.g.Close()
	return r
}

// snapshot returns every file below the given folders, path to size and hash.
func snapshot(t *testing.T, dirs ...string) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			files[path] = fmt.Sprintf("%d bytes, SHA-256 %x", len(b), sha256.Sum256(b))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// TestSelfCheckStoppedWritesNothing checks that the offline self-check
// verifies the whole state and leaves the archive, the guard log and the
// export directory byte for byte as they were.
func TestSelfCheckStoppedWritesNothing(t *testing.T) {
	r := stoppedRig(t)
	lines := uint64(len(r.logLines()))
	before := snapshot(t, r.cfg.StateDir, r.cfg.ExportDir)

	res, err := SelfCheckStopped(r.cfg)
	if err != nil || !res.OK() || res.Records != 2 || res.Size != 5 || res.LogLines != lines ||
		res.TornBytes != 0 {
		t.Fatalf("SelfCheckStopped = %v, %v; want a pass over 2 records, size 5, %d log lines", res, err, lines)
	}
	if diff := cmp.Diff(before, snapshot(t, r.cfg.StateDir, r.cfg.ExportDir)); diff != "" {
		t.Errorf("state or export directory changed (-before +after):\n%s", diff)
	}
}

// TestSelfCheckStoppedFindings checks what the offline self-check reports
// for a torn and for an edited guard log, and that it changes neither.
func TestSelfCheckStoppedFindings(t *testing.T) {
	const torn = `{"time":"2025-01-02T03:04:05Z","seq":99,"ba`
	tests := []struct {
		name     string
		edit     func(log string) string
		wantOK   bool
		wantTorn int64
		wantErr  error
	}{
		{"torn last line", func(log string) string { return log + torn }, true, int64(len(torn)), nil},
		{"edited line", func(log string) string {
			return strings.Replace(log, `"stage":"signature","decision":"accept"`,
				`"stage":"signature","decision":"reject"`, 1)
		}, false, 0, auditlog.ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := stoppedRig(t)
			path := filepath.Join(r.cfg.StateDir, LogFile)
			good, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			edited := tc.edit(string(good))
			if edited == string(good) {
				t.Fatal("edit changed nothing")
			}
			if err := os.WriteFile(path, []byte(edited), 0o640); err != nil {
				t.Fatal(err)
			}

			res, err := SelfCheckStopped(r.cfg)
			if err != nil || res.OK() != tc.wantOK || res.TornBytes != tc.wantTorn ||
				!errors.Is(res.Err, tc.wantErr) {
				t.Errorf("SelfCheckStopped = %v, %v; want OK %v, %d torn bytes, error %v",
					res, err, tc.wantOK, tc.wantTorn, tc.wantErr)
			}
			if after, _ := os.ReadFile(path); string(after) != edited {
				t.Errorf("guard log changed by the self-check")
			}
		})
	}
}

// TestSelfCheckStoppedLocked checks that the offline self-check of a
// running guard's state says the archive is locked by a running guard,
// names the file and where that guard's own check can be read.
func TestSelfCheckStoppedLocked(t *testing.T) {
	r := stoppedRig(t)
	r.cfg.MetricsListen = "127.0.0.1:9464"
	r.open()
	lines := len(r.logLines())

	_, err := SelfCheckStopped(r.cfg)
	for _, want := range []string{
		filepath.Join(r.cfg.StateDir, ArchiveFile) + " is locked by a running guard",
		"stop the guard",
		`stage "selfcheck" in ` + filepath.Join(r.cfg.StateDir, LogFile),
		"bastion_guard_selfcheck_ok at http://127.0.0.1:9464/metrics",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("SelfCheckStopped = %v, want an error containing %q", err, want)
		}
	}
	if got := len(r.logLines()); got != lines {
		t.Errorf("guard log has %d lines after the refused check, want %d", got, lines)
	}
}

// TestSelfCheckStoppedNoState checks that a state directory without an
// archive is an error naming the file, and is not created.
func TestSelfCheckStoppedNoState(t *testing.T) {
	cfg := benchConfig(t, t.TempDir(), guardtest.New(t, testLink))
	_, err := SelfCheckStopped(cfg)
	path := filepath.Join(cfg.StateDir, ArchiveFile)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("SelfCheckStopped = %v, want an error naming the missing archive", err)
	}
	if _, err := os.Stat(cfg.StateDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("state directory created by the self-check: stat = %v", err)
	}
}
