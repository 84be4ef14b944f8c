package export

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"bastion/guard/guardtest"
	"bastion/shared/merkle"
)

// TestPublish writes two batch files and the head files in one call, then
// republishes the same bytes (a no-op) and finally a conflicting file,
// which must fail without renaming anything or leaving a temporary file.
func TestPublish(t *testing.T) {
	d, err := Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	one, two := withheldFile(1, 0, 3), withheldFile(2, 3, 4)
	files := []Published{{File: File{Seq: 1, Withheld: true}, Data: one}, {File: File{Seq: 2, Withheld: true}, Data: two}}
	head := ChainHead{Records: 2, Seq: 2, Size: 7}
	if err := d.Publish(files, []byte("cp2"), head); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	want := map[string]string{
		Path(d.Root(), files[0].File): string(one), Path(d.Root(), files[1].File): string(two),
		filepath.Join(d.Root(), CheckpointFile): "cp2",
	}
	for path, content := range want {
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Fatalf("%s = %q, %v; want %q", path, got, err, content)
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o444 {
			t.Fatalf("%s mode %v, want 0444", path, fi.Mode().Perm())
		}
	}
	hb, _ := os.ReadFile(filepath.Join(d.Root(), ChainHeadFile))
	if got, err := ParseChainHead(hb); err != nil || got != head {
		t.Fatalf("chain head = %+v, %v; want %+v", got, err, head)
	}
	if err := d.Publish(files[:1], nil, ChainHead{}); err != nil {
		t.Fatalf("republishing the same bytes: %v", err)
	}

	conflict := []Published{{File: File{Seq: 3}, Data: []byte("three")}, {File: File{Seq: 1, Withheld: true}, Data: []byte("other")}}
	err = d.Publish(conflict, []byte("cp3"), ChainHead{Seq: 3})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("Publish with a conflicting file = %v, want ErrConflict", err)
	}
	if _, err := os.Stat(BatchPath(d.Root(), 3)); !os.IsNotExist(err) {
		t.Fatalf("batch 3 published despite the conflict (stat error %v)", err)
	}
	if cp, _ := os.ReadFile(filepath.Join(d.Root(), CheckpointFile)); string(cp) != "cp2" {
		t.Fatalf("checkpoint = %q after a failed publish, want cp2", cp)
	}
	for _, dir := range []string{d.Root(), filepath.Join(d.Root(), BatchesDir)} {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".tmp") {
				t.Fatalf("temporary file %s left in %s", e.Name(), dir)
			}
		}
	}
}

// TestPublishLedger publishes the same batches once with their ledger
// content given and once parsed from their bytes: the tile trees must be
// identical, byte for byte. A ledger whose entries do not match its
// leaves is refused before anything is written.
func TestPublishLedger(t *testing.T) {
	hs := guardtest.New(t, "link-1")
	var files []Published
	for seq := uint64(1); seq <= 3; seq++ {
		for i := range 300 {
			hs.Append(t, guardtest.Order(t, int(seq)*1000+i, guardtest.Releasable))
		}
		_, raw := hs.Next(t)
		files = append(files, Published{File: File{Seq: seq}, Data: raw})
	}
	roots := [2]string{t.TempDir(), t.TempDir()}
	for i, root := range roots {
		d, _ := Create(root)
		for j, f := range files {
			if i == 1 {
				first, leaves, entries, err := Content(f.File, f.Data)
				if err != nil {
					t.Fatal(err)
				}
				f.Ledger = &Ledger{First: first, Leaves: leaves, Entries: entries}
			}
			if err := d.Publish([]Published{f}, hs.Note(t, uint64(300*(j+1))), ChainHead{}); err != nil {
				t.Fatalf("Publish(seq %d, ledger given %v): %v", j+1, i == 1, err)
			}
		}
	}
	parsed, given := tileFiles(t, roots[0]), tileFiles(t, roots[1])
	if !slices.Equal(parsed, given) {
		t.Fatalf("tiles with the ledger given %v, parsed %v", given, parsed)
	}
	for _, p := range parsed {
		a, _ := os.ReadFile(filepath.Join(roots[0], p))
		b, _ := os.ReadFile(filepath.Join(roots[1], p))
		if !bytes.Equal(a, b) {
			t.Fatalf("%s differs between the two trees", p)
		}
	}

	d, _ := Create(t.TempDir())
	bad := Published{File: File{Seq: 1}, Data: files[0].Data,
		Ledger: &Ledger{Leaves: make([]merkle.Hash, 3), Entries: make([][]byte, 2)}}
	if err := d.Publish([]Published{bad}, []byte("cp"), ChainHead{}); !errors.Is(err, ErrTiles) {
		t.Fatalf("Publish with 3 leaves and 2 entries = %v, want ErrTiles", err)
	}
	if _, err := os.Stat(BatchPath(d.Root(), 1)); !os.IsNotExist(err) {
		t.Fatalf("batch written despite a bad ledger (stat error %v)", err)
	}
}
