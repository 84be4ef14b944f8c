//go:build integration

// Package integration holds the multi-process tests: real binaries, real
// UDP, real SoftHSM, real Raft, on loopback. They run with
// `go test -tags integration ./test/...` (make test does).
package integration

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"bastion/test/appliance"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// bins returns a folder with the Bastion binaries: $BASTION_BIN when set
// (make test builds them), else a fresh build into a temporary folder.
func bins(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("BASTION_BIN"); d != "" {
		return d
	}
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "bastion-bin-")
		if buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", binDir+"/",
			"./high-side/cmd/...", "./low-side/cmd/...", "./guard/cmd/...", "./diode/cmd/...")
		cmd.Dir = repoRoot()
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = &buildError{err: err, out: string(out)}
		}
	})
	if buildErr != nil {
		t.Fatalf("failed to build binaries: %v", buildErr)
	}
	return binDir
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// dataDir returns the real input folder, skipping the test when it is
// missing outside CI and failing it in CI.
func dataDir(t *testing.T) string {
	t.Helper()
	d := os.Getenv("BASTION_DATA")
	if d == "" {
		d = filepath.Join(repoRoot(), "..", "shared", "data")
	}
	if _, err := os.Stat(d); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("input data missing at %s (set BASTION_DATA)", d)
		}
		t.Skipf("input data missing at %s (set BASTION_DATA); skipping", d)
	}
	return d
}

// startAppliance starts the appliance for a test and stops it at the end;
// when the test failed, the last lines of every process's log are written
// to the test output first, so a failure in CI can be read without the
// state folder.
func startAppliance(ctx context.Context, t *testing.T, opts appliance.Options) *appliance.Appliance {
	t.Helper()
	a, err := appliance.Start(ctx, opts)
	must(t, err)
	t.Cleanup(func() {
		a.Stop()
		if t.Failed() {
			dumpLogs(t, a.Layout.LogDir(), 40)
		}
	})
	return a
}

// dumpLogs logs the last n lines of each log file in dir.
func dumpLogs(t *testing.T, dir string, n int) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		lines = lines[max(0, len(lines)-n):]
		t.Logf("--- last %d lines of %s ---\n%s", len(lines), filepath.Base(f), strings.Join(lines, "\n"))
	}
}
