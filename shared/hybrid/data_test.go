package hybrid

import (
	"os"
	"path/filepath"
	"testing"
)

// dataPath returns the path of rel under $BASTION_DATA (default
// ../shared/data beside the repository root). A missing file skips the
// test, except under CI=true where it fails it.
func dataPath(t testing.TB, rel string) string {
	t.Helper()
	dir := os.Getenv("BASTION_DATA")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "..", "shared", "data")
	}
	p := filepath.Join(dir, rel)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("test data missing: %v", err)
		}
		t.Skipf("test data missing (set BASTION_DATA): %v", err)
	}
	return p
}

// repoRoot walks up from the working directory to the directory holding
// go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}
