package login

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// snapshot maps every file name in dir to its mode and content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, e := range es {
		p := filepath.Join(dir, e.Name())
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = fi.Mode().String() + " " + string(b)
	}
	return m
}

// A refused "user add" changes nothing: no lock file appears, an existing
// one stays, the users file keeps its bytes and mode.
func TestAddUserRefusedChangesNothing(t *testing.T) {
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		lock    bool
		want    string
	}{
		{"open mode", goodUser, 0o644, false, "has mode 0644"},
		{"garbage", "garbage", 0o600, false, "users.toml:1"},
		{"user exists", goodUser, 0o600, false, `user "rita" already exists`},
		{"user exists, lock kept", goodUser, 0o600, true, `user "rita" already exists`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "users.toml")
			if err := os.WriteFile(path, []byte(tc.content), tc.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			if tc.lock {
				if err := os.WriteFile(path+".lock", nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			before := snapshot(t, dir)
			_, err := AddUser(path, "rita", Regulator, "http://localhost:8443", time.Hour, time.Now())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("AddUser error = %v, want one containing %q", err, tc.want)
			}
			if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
				t.Errorf("directory changed (-before +after):\n%s", diff)
			}
		})
	}
}

// A successful "user add" leaves the users file and its lock file.
func TestAddUserKeepsLockFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "users.toml")
	if _, err := AddUser(path, "rita", Regulator, "http://localhost:8443", time.Hour, time.Now()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for name := range snapshot(t, dir) {
		got = append(got, name)
	}
	want := []string{"users.toml", "users.toml.lock"}
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

// A users path that names a directory is refused as such, not for its
// mode, and nothing is created beside it.
func TestAddUserRefusesDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "users")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	before := listNames(t, dir)
	_, err := AddUser(path, "rita", Regulator, "http://localhost:8443", time.Hour, time.Now())
	if want := "users file " + path + " is not a regular file"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("AddUser error = %v, want one containing %q", err, want)
	}
	if diff := cmp.Diff(before, listNames(t, dir)); diff != "" {
		t.Errorf("directory changed (-before +after):\n%s", diff)
	}
}

func listNames(t *testing.T, dir string) []string {
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
