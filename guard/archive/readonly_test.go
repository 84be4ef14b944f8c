package archive

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"bastion/shared/merkle"
)

// TestOpenReadOnlyWritesNothing checks that a read-only archive reads the
// records a writer left, refuses appends and leaves the file's bytes as
// they were.
func TestOpenReadOnlyWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "archive.db")
	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	tree := &merkle.Compact{}
	appendN(t, a, tree, 1, 3)
	a.Close()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatalf("OpenReadOnly: %v", err)
	}
	h, err := ro.VerifyChain(nil)
	if err != nil || h.Records != 3 || h.Size != 3 {
		t.Errorf("VerifyChain = %+v, %v; want 3 records, size 3, nil", h, err)
	}
	tree.Append(merkle.LeafHash([]byte{4}))
	r := &Record{Seq: 4, Kind: KindBatch, First: 3, Size: 4, File: []byte{4}, Checkpoint: []byte("cp")}
	if _, err := ro.Append(r, tree); err == nil {
		t.Error("Append on a read-only archive succeeded, want an error")
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Errorf("archive file changed by a read-only open: %d bytes before, %d after", len(before), len(after))
	}
}

// TestOpenLocked checks that each open mode reports ErrLocked, naming the
// file, while a writer holds the archive, and that a writer cannot open
// it while a reader holds it.
func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "archive.db")
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	opens := map[string]func(string) (*Archive, error){"Open": Open, "OpenReadOnly": OpenReadOnly}
	for name, open := range opens {
		if a, err := open(path); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) {
			if a != nil {
				a.Close()
			}
			t.Errorf("%s while a writer holds the lock = %v, want ErrLocked naming %s", name, err, path)
		}
	}
	w.Close()

	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if a, err := Open(path); !errors.Is(err, ErrLocked) {
		if a != nil {
			a.Close()
		}
		t.Errorf("Open while a reader holds the lock = %v, want ErrLocked", err)
	}
}

// TestOpenReadOnlyRefuses checks that files that are not an archive are
// refused without being created or initialised.
func TestOpenReadOnlyRefuses(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "foreign.db")
	db, err := bolt.Open(foreign, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err })
	db.Close()
	text := filepath.Join(dir, "text.db")
	if err := os.WriteFile(text, bytes.Repeat([]byte("not a database\n"), 1000), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		path string
		want error
	}{
		{"missing", filepath.Join(dir, "missing.db"), fs.ErrNotExist},
		{"empty", empty, ErrCorrupt},
		{"no archive buckets", foreign, ErrCorrupt},
		{"not a database", text, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := os.ReadFile(tc.path)
			a, err := OpenReadOnly(tc.path)
			if a != nil {
				a.Close()
			}
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.path) {
				t.Fatalf("OpenReadOnly = %v, want an error (%v) naming %s", err, tc.want, tc.path)
			}
			after, _ := os.ReadFile(tc.path)
			if !bytes.Equal(after, before) {
				t.Errorf("file changed: %d bytes before, %d after", len(before), len(after))
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing archive created by OpenReadOnly: stat = %v", err)
	}
}
