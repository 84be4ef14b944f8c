package export

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"bastion/guard/guardtest"
	"bastion/shared/checkpoint"
	"bastion/shared/merkle"
	"bastion/shared/tiles"
)

// leaf is the synthetic leaf hash of ledger index i.
func leaf(i uint64) merkle.Hash { return merkle.LeafHash(fmt.Appendf(nil, "leaf %d", i)) }

// withheldFile is a withheld file of n synthetic leaves from first: its
// content is all the tiles need.
func withheldFile(seq, first uint64, n int) []byte {
	w := &Withheld{Version: WithheldVersion, Link: "link-1", Seq: seq, First: first}
	for i := range uint64(n) {
		w.Leaves = append(w.Leaves, leaf(first+i))
	}
	return w.Marshal()
}

// tileFiles lists every file below root's tile folder, as tile paths.
func tileFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(root, TileDir), func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(out)
	return out
}

// wantTiles lists the tiles of a tree of size leaves after pruning:
// every full tile and the edge.
func wantTiles(size uint64) []string {
	var out []string
	for l := 0; size>>(tiles.Height*l) > 0; l++ {
		for n := range (size >> (tiles.Height * l)) / tiles.Width {
			out = append(out, tiles.Tile{Level: l, Index: n, Width: tiles.Width}.Path())
		}
	}
	for n := range size / tiles.Width {
		out = append(out, tiles.Tile{Level: tiles.EntriesLevel, Index: n, Width: tiles.Width}.Path())
	}
	for _, t := range tiles.EdgeTiles(size) {
		out = append(out, t.Path())
	}
	slices.Sort(out)
	return out
}

// TestPublishTiles publishes batches that cross tile boundaries (L5),
// restarts the writer halfway, and checks the files on disk and the root
// they give against a compact range of the same leaves.
func TestPublishTiles(t *testing.T) {
	root := t.TempDir()
	d, err := Create(root)
	if err != nil {
		t.Fatal(err)
	}
	hs := guardtest.New(t, "link-1")
	var ref merkle.Compact
	first := uint64(0)
	for seq, n := range []int{255, 1, 1, 254, 2, 256, 300, 1, 65535 - 1070, 1, 1} {
		f := Published{File: File{Seq: uint64(seq + 1), Withheld: true}, Data: withheldFile(uint64(seq+1), first, n)}
		if err := d.Publish([]Published{f}, note(t, hs, first+uint64(n)), ChainHead{}); err != nil {
			t.Fatalf("Publish(seq %d): %v", seq+1, err)
		}
		for i := range uint64(n) {
			ref.Append(leaf(first + i))
		}
		first += uint64(n)
		got, err := tiles.RootFromTiles(first, d.readTile)
		if err != nil || got != ref.Root() {
			t.Fatalf("size %d: root from tiles %s, %v; want %s", first, got, err, ref.Root())
		}
		if seq == 5 {
			d, _ = Create(root) // a restart: the state comes from the checkpoint and the tiles
		}
	}
	if got, want := tileFiles(t, root), wantTiles(first); !slices.Equal(got, want) {
		extra, missing := diff(got, want), diff(want, got)
		t.Fatalf("tile files after pruning: unexpected %v, missing %v", extra, missing)
	}
}

// note signs a checkpoint of size n; only its size matters to the tiles.
func note(t *testing.T, hs *guardtest.HighSide, n uint64) []byte {
	t.Helper()
	cp := checkpoint.Checkpoint{Origin: checkpoint.OriginFor(hs.Link), Size: n, Root: merkle.EmptyRoot()}
	b, err := checkpoint.Sign(cp, hs.NoteKey, hs.Signer)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTilesResume restarts the export on a tree without tiles (written
// before tiles existed) and checks that the next publish rebuilds them.
func TestTilesResume(t *testing.T) {
	hs := guardtest.New(t, "link-1")
	root := t.TempDir()
	d, _ := Create(root)
	var files []Published
	for seq := uint64(1); seq <= 3; seq++ {
		for i := range 100 {
			hs.Append(t, guardtest.Order(t, int(seq)*1000+i, guardtest.Releasable))
		}
		_, raw := hs.Next(t)
		files = append(files, Published{File: File{Seq: seq}, Data: raw})
	}
	if err := d.Publish(files[:2], hs.Note(t, 200), ChainHead{}); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(root, TileDir)); err != nil {
		t.Fatal(err)
	}
	d, _ = Create(root)
	if err := d.Publish(files[2:], hs.Note(t, 300), ChainHead{}); err != nil {
		t.Fatalf("Publish after the tiles were lost: %v", err)
	}
	got, err := tiles.RootFromTiles(300, d.readTile)
	if err != nil || got != hs.Root(t, 300) {
		t.Fatalf("root from rebuilt tiles = %s, %v; want %s", got, err, hs.Root(t, 300))
	}
	bundle, err := os.ReadFile(TilePath(root, tiles.Tile{Level: tiles.EntriesLevel, Index: 0, Width: tiles.Width}))
	if err != nil {
		t.Fatal(err)
	}
	es, err := tiles.ParseBundle(tiles.Tile{Level: tiles.EntriesLevel, Width: tiles.Width}, bundle)
	if err != nil || merkle.LeafHash(es[150]) != leafOf(t, files[1].Data, 50) {
		t.Fatalf("bundle 0 entry 150 does not hash to batch 2's item 50 (%v)", err)
	}
}

func leafOf(t *testing.T, raw []byte, i int) merkle.Hash {
	t.Helper()
	_, leaves, _, err := Content(File{Seq: 1}, raw)
	if err != nil {
		t.Fatal(err)
	}
	return leaves[i]
}

// TestPublishTilesGap checks that a file past the tiles' end is refused
// and changes nothing.
func TestPublishTilesGap(t *testing.T) {
	d, _ := Create(t.TempDir())
	f := Published{File: File{Seq: 2, Withheld: true}, Data: withheldFile(2, 10, 3)}
	if err := d.Publish([]Published{f}, []byte("cp"), ChainHead{}); err == nil {
		t.Fatal("Publish of ledger indexes 10 to 13 on an empty tree succeeded")
	}
	if _, err := os.Stat(filepath.Join(d.Root(), CheckpointFile)); !os.IsNotExist(err) {
		t.Fatalf("checkpoint written after a refused publish (stat error %v)", err)
	}
}

// diff returns the elements of a not in b.
func diff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
