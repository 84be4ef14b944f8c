package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckReportsDirCreates checks that a missing reports directory is
// created and that the write check leaves nothing in it.
func TestCheckReportsDirCreates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "reports")
	if err := checkReportsDir(dir); err != nil {
		t.Fatalf("checkReportsDir(%s) = %v, want nil", dir, err)
	}
	es, err := os.ReadDir(dir)
	if err != nil || len(es) != 0 {
		t.Errorf("reports directory after the check: %v, %v; want it to exist and be empty", es, err)
	}
}

// TestCheckReportsDirNotWritable checks that a directory the portal
// cannot write to is refused, naming the flag and the path.
func TestCheckReportsDirNotWritable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("permission bits do not stop root")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	err := checkReportsDir(dir)
	want := "bad --reports-dir " + dir + ": not writable: "
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("checkReportsDir = %v, want an error starting %q", err, want)
	}
}
