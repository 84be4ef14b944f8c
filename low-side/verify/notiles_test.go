package verify_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bastion/guard/export"
	"bastion/guard/guardtest"
	"bastion/low-side/verify"
	"bastion/shared/batch"
	"bastion/shared/tiles"
)

// TestMissingTiles removes tiles from a genuine export. The guard
// publishes the tiles with every checkpoint, so none may be missing: a
// missing or empty tile folder is one problem, not OK and not one per
// tile, and so is a missing folder of entry bundles; a single missing
// tile is named.
func TestMissingTiles(t *testing.T) {
	tileDir := func(dir string) string { return filepath.Join(dir, export.TileDir) }
	tests := []struct {
		name   string
		remove func(t *testing.T, dir string)
		want   []verify.Problem
	}{
		{"tile folder deleted", func(t *testing.T, dir string) {
			if err := os.RemoveAll(tileDir(dir)); err != nil {
				t.Fatal(err)
			}
		}, []verify.Problem{{Kind: verify.KindTileMissing, Index: -1,
			Detail: "tile folder is missing; the ledger of size 10 needs its tiles and entry bundles"}}},
		{"tile folder emptied", func(t *testing.T, dir string) {
			if err := os.RemoveAll(tileDir(dir)); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(tileDir(dir), 0o755); err != nil {
				t.Fatal(err)
			}
		}, []verify.Problem{{Kind: verify.KindTileMissing, Index: -1,
			Detail: "tile folder holds no tile; the ledger of size 10 needs its tiles and entry bundles"}}},
		{"tile folder is a file", func(t *testing.T, dir string) {
			if err := os.RemoveAll(tileDir(dir)); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(tileDir(dir), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, []verify.Problem{{Kind: verify.KindTileMissing, Index: -1,
			Detail: "tile is a file, not a folder; the ledger of size 10 needs its tiles and entry bundles"}}},
		{"entry bundles deleted", func(t *testing.T, dir string) {
			if err := os.RemoveAll(filepath.Join(tileDir(dir), "entries")); err != nil {
				t.Fatal(err)
			}
		}, []verify.Problem{{Kind: verify.KindTileMissing, Seq: 3, Index: -1, Detail: "tile/entries/000.p/10 is missing"}}},
		{"one tile deleted", func(t *testing.T, dir string) {
			// The level-0 tile of the whole ledger, ten hashes wide.
			p := export.TilePath(dir, tiles.Tile{Level: 0, Index: 0, Width: 10})
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
		}, []verify.Problem{{Kind: verify.KindTileMissing, Seq: 3, Index: -1, Detail: "tile/0/000.p/10 is missing"},
			{Kind: verify.KindTileRoot, Seq: 3, Index: -1,
				Detail: "root at size 10 cannot be computed from the tiles: failed to read tile/0/000.p/10: " +
					"tile/0/000.p/10 is missing"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, hs := fixture(t, false)
			tt.remove(t, dir)
			rep := check(t, dir, hs.KeyText())
			if got, want := fmt.Sprint(rep.Problems), fmt.Sprint(tt.want); got != want {
				t.Fatalf("problems\n%s\nwant\n%s", got, want)
			}
			if rep.ExitCode() != verify.ExitMismatch || rep.Size != 10 {
				t.Errorf("exit %d, size %d; want exit %d, size 10", rep.ExitCode(), rep.Size, verify.ExitMismatch)
			}
		})
	}
}

// TestNoTilesNoLedger checks that an export whose ledger is empty needs
// no tile folder: only the missing files are problems.
func TestNoTilesNoLedger(t *testing.T) {
	dir, hs := fixture(t, false)
	for seq := uint64(1); seq <= 3; seq++ {
		os.Remove(export.BatchPath(dir, seq))
	}
	os.RemoveAll(filepath.Join(dir, export.TileDir))
	os.Remove(filepath.Join(dir, export.CheckpointFile))
	os.Remove(filepath.Join(dir, export.ChainHeadFile))
	rep := check(t, dir, hs.KeyText())
	for _, p := range rep.Problems {
		if p.Kind == verify.KindTileMissing {
			t.Errorf("empty ledger: %v", p)
		}
	}
	if len(rep.Problems) != 2 {
		t.Errorf("problems %v, want the two missing files", rep.Problems)
	}
}

// TestTileFileNoLedger: a file in place of the tile folder is one
// problem even when the ledger is empty.
func TestTileFileNoLedger(t *testing.T) {
	dir, hs := fixture(t, false)
	for seq := uint64(1); seq <= 3; seq++ {
		os.Remove(export.BatchPath(dir, seq))
	}
	os.RemoveAll(filepath.Join(dir, export.TileDir))
	if err := os.WriteFile(filepath.Join(dir, export.TileDir), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rep := check(t, dir, hs.KeyText())
	var got []verify.Problem
	for _, p := range rep.Problems {
		if strings.Contains(p.Detail, export.TileDir) {
			got = append(got, p)
		}
	}
	want := []verify.Problem{{Kind: verify.KindName, Index: -1, Detail: "tile is a file, not a folder"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("problems naming the tile folder %v, want %v (all: %v)", got, want, rep.Problems)
	}
}

// longExport publishes batches of per entries each, with their tiles, as
// the guard does, and returns the export directory and the high side.
func longExport(t *testing.T, batches, per int) (string, *guardtest.HighSide) {
	t.Helper()
	hs := guardtest.New(t, "link-1")
	d, err := export.Create(filepath.Join(t.TempDir(), "export"))
	if err != nil {
		t.Fatal(err)
	}
	rp := verify.NewReplay(mustKey(t, hs), batch.Limits{})
	var files []export.Published
	var note []byte
	for i := range batches {
		for j := range per {
			hs.Append(t, guardtest.Order(t, i*per+j, guardtest.Releasable))
		}
		seq, raw := hs.Next(t)
		if ps := rp.Add(export.File{Seq: seq}, raw); len(ps) > 0 {
			t.Fatalf("batch %d: %v", seq, ps)
		}
		files = append(files, export.Published{File: export.File{Seq: seq}, Data: raw})
		note = rp.Checkpoint()
	}
	if err := d.Publish(files, note, rp.Head()); err != nil {
		t.Fatal(err)
	}
	return d.Root(), hs
}

func mustKey(t *testing.T, hs *guardtest.HighSide) *verify.Key {
	t.Helper()
	k, err := verify.ParseKey(hs.KeyText())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestMissingTilesGrouped deletes several tiles of one kind from a
// ledger of three full level-0 tiles: one problem per kind names the
// count, the first and the last, and the batches.
func TestMissingTilesGrouped(t *testing.T) {
	dir, hs := longExport(t, 3, tiles.Width)
	for i := range uint64(3) {
		for _, tl := range []tiles.Tile{{Level: 0, Index: i, Width: tiles.Width},
			{Level: tiles.EntriesLevel, Index: i, Width: tiles.Width}} {
			if err := os.Remove(export.TilePath(dir, tl)); err != nil {
				t.Fatal(err)
			}
		}
	}
	rep := check(t, dir, hs.KeyText())
	want := []verify.Problem{
		{Kind: verify.KindTileMissing, Seq: 1, LastSeq: 3, Index: -1,
			Detail: "3 tiles are missing (first tile/0/000, last tile/0/002)"},
		{Kind: verify.KindTileMissing, Seq: 1, LastSeq: 3, Index: -1,
			Detail: "3 entry bundles are missing (first tile/entries/000, last tile/entries/002)"},
	}
	if len(rep.Problems) < 2 || fmt.Sprint(rep.Problems[:2]) != fmt.Sprint(want) {
		t.Fatalf("problems\n%v\nwant first\n%v", rep.Problems, want)
	}
	for _, p := range rep.Problems[2:] {
		if p.Kind == verify.KindTileMissing {
			t.Errorf("another tile_missing problem: %v", p)
		}
	}
}
