package export

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	files := []Published{{File{Seq: 1, Withheld: true}, one}, {File{Seq: 2, Withheld: true}, two}}
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

	conflict := []Published{{File{Seq: 3}, []byte("three")}, {File{Seq: 1, Withheld: true}, []byte("other")}}
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
