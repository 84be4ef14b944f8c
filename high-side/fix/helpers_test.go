package fix

import (
	"os"
	"path/filepath"
	"testing"
)

// dataDir returns $BASTION_DATA or ../shared/data beside the module root.
// It skips the test when the folder is missing, or fails it when CI=true.
func dataDir(t testing.TB, sub string) string {
	t.Helper()
	dir := os.Getenv("BASTION_DATA")
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(root, "..", "shared", "data")
	}
	dir = filepath.Join(dir, sub)
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("test data missing: %v", err)
		}
		t.Skipf("test data missing (set BASTION_DATA): %v", err)
	}
	return dir
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

// soh replaces '|' with SOH so test messages stay readable.
func sohs(s string) []byte {
	b := []byte(s)
	for i := range b {
		if b[i] == '|' {
			b[i] = 0x01
		}
	}
	return b
}
