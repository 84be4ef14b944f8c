package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestKeygenRefusesExistingFile: keygen checks every file it would write
// before writing any, and refuses naming the first that exists; the
// directory is left as it was.
func TestKeygenRefusesExistingFile(t *testing.T) {
	tests := []struct {
		name     string
		existing string
		args     []string
		code     int
		want     string
	}{
		{"signing pub exists", "t.pub", []string{"keygen", "--signing", "t"}, 1, "key file t.pub already exists"},
		{"signing key exists after recipient", "s.key", []string{"keygen", "--recipient", "g3", "--signing", "s"}, 1,
			"key file s.key already exists"},
		{"recipient pub exists", "g.pub", []string{"keygen", "--recipient", "g", "--signing", "s"}, 1,
			"key file g.pub already exists"},
		{"same prefix", "", []string{"keygen", "--recipient", "k", "--signing", "k"}, 2,
			`--recipient and --signing are both "k": give each its own prefix`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.existing != "" {
				if err := os.WriteFile(filepath.Join(dir, tc.existing), []byte("kept"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			before := listDir(t, dir)
			r := run(t, dir, nil, tc.args...)
			code := -1
			if e, ok := r.err.(*exec.ExitError); ok {
				code = e.ExitCode()
			}
			if code != tc.code || !strings.Contains(string(r.stderr), "diode: "+tc.want) {
				t.Errorf("got exit %d, stderr %q; want exit %d and \"diode: %s\"", code, r.stderr, tc.code, tc.want)
			}
			if diff := cmp.Diff(before, listDir(t, dir)); diff != "" {
				t.Errorf("directory changed (-before +after):\n%s", diff)
			}
			if tc.existing != "" {
				if b, err := os.ReadFile(filepath.Join(dir, tc.existing)); err != nil || string(b) != "kept" {
					t.Errorf("%s: got %q, %v; want it untouched", tc.existing, b, err)
				}
			}
		})
	}
}

// TestWriteKeyFilesRemovesOnFailure: a write failing midway removes the
// files this run created, the failed one included, and keeps a file that
// someone else created meanwhile.
func TestWriteKeyFilesRemovesOnFailure(t *testing.T) {
	errDisk := errors.New("disk full")
	write := func(p string) error { return writeNew(p, []byte("key"), 0o600) }
	tests := []struct {
		name    string
		failing func(p string) error
		wantErr error
		kept    []string
	}{
		{"write fails after create", func(p string) error {
			if err := write(p); err != nil {
				return err
			}
			return errDisk
		}, errDisk, nil},
		{"file appears meanwhile", func(p string) error {
			if err := os.WriteFile(p, []byte("theirs"), 0o644); err != nil {
				return err
			}
			return write(p)
		}, os.ErrExist, []string{"b.key"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := func(n string) string { return filepath.Join(dir, n) }
			err := writeKeyFiles([]keyFile{
				{path("a.key"), write}, {path("a.pub"), write}, {path("b.key"), tc.failing}, {path("b.pub"), write},
			})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got error %v, want %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.kept, listDir(t, dir)); diff != "" {
				t.Errorf("files left (-want +got):\n%s", diff)
			}
		})
	}
}
