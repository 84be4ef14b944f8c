package hsm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bastion/shared/hybrid"
)

// badModule is a PKCS#11 library path that does not exist.
const badModule = "/nonexistent/libpkcs11.so"

// cleanupCase is a ceremony directory to fail in: dir is the directory
// given, top the part of the path that must not exist afterwards ("" when
// dir must be left as it was before the run).
type cleanupCase struct {
	name     string
	dir, top string
	keep     string // a file beside the directory, which must stay
}

// cleanupCases builds the directories of the cleanup tests under a fresh
// temporary directory, each beside a file the run must not touch.
func cleanupCases(t *testing.T) []cleanupCase {
	t.Helper()
	tmp := t.TempDir()
	if err := os.Mkdir(filepath.Join(tmp, "existing"), 0o700); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(tmp, "keep")
	if err := os.WriteFile(keep, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	return []cleanupCase{
		{name: "new dir", dir: filepath.Join(tmp, "c"), top: filepath.Join(tmp, "c"), keep: keep},
		{name: "new dir and parents", dir: filepath.Join(tmp, "a", "b", "c"), top: filepath.Join(tmp, "a"), keep: keep},
		{name: "empty dir", dir: filepath.Join(tmp, "existing"), keep: keep},
	}
}

// checkCleanedUp fails t unless the failed run left tc as it was before,
// with the neighbouring file untouched.
func checkCleanedUp(t *testing.T, tc cleanupCase, err error) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), "failed to") {
		t.Fatalf("got error %v, want a failure", err)
	}
	if tc.top != "" {
		if _, err := os.Lstat(tc.top); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("after the failure %s: got %v, want it removed", tc.top, err)
		}
	} else {
		entries, err := os.ReadDir(tc.dir)
		if err != nil {
			t.Fatalf("after the failure the existing %s: %v, want it kept", tc.dir, err)
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.Name())
		}
		if len(got) != 0 {
			t.Errorf("after the failure %s holds %v, want it empty as before", tc.dir, got)
		}
	}
	if b, err := os.ReadFile(tc.keep); err != nil || string(b) != "keep" {
		t.Errorf("neighbouring file %s: got %q, %v; want it untouched", tc.keep, b, err)
	}
}

// TestCeremonyFailureRemovesWhatItCreated: a ceremony that fails (here
// at loading a missing module, or at copying it for an instance) leaves
// no directory or file behind, so that a retry can use the same --dir;
// a directory that existed empty stays, empty.
func TestCeremonyFailureRemovesWhatItCreated(t *testing.T) {
	for _, instances := range []bool{false, true} {
		for _, tc := range cleanupCases(t) {
			name := tc.name
			if instances {
				name += "/instances"
			}
			t.Run(name, func(t *testing.T) {
				_, err := Ceremony{Dir: tc.dir, Module: badModule, Tokens: 2, LabelPrefix: "cleanup",
					SoftHSM: true, Instances: instances}.Run(context.Background(), nil)
				checkCleanedUp(t, tc, err)
			})
		}
	}
}

// TestCeremonyRefusalKeepsDir: a refused ceremony, its directory in use,
// removes nothing.
func TestCeremonyRefusalKeepsDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keep"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "pins"), 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := Ceremony{Dir: dir, Module: badModule, SoftHSM: true}.Run(context.Background(), nil)
	if !errors.Is(err, ErrCeremonyExists) {
		t.Fatalf("got %v, want ErrCeremonyExists", err)
	}
	for _, name := range []string{"keep", "pins"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("a refused ceremony removed %s: %v", name, err)
		}
	}
}

// TestRecoveryFailureRemovesWhatItCreated: a recovery that fails at
// loading its module removes what it created, as a ceremony does.
func TestRecoveryFailureRemovesWhatItCreated(t *testing.T) {
	res, _ := newCeremony(t, 1, hybrid.SuiteMLDSA65P256)
	for _, tc := range cleanupCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Recovery{Dir: tc.dir, From: filepath.Dir(res.Config), Module: badModule, Tokens: 1,
				SoftHSM: true, ShareFiles: res.ShareFiles[:3]}.Run(context.Background(), nil)
			checkCleanedUp(t, tc, err)
		})
	}
}
