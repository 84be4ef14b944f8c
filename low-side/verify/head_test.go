package verify_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"bastion/guard/export"
	"bastion/guard/guardtest"
	"bastion/low-side/verify"
	"bastion/shared/tiles"
)

// TestEmptyExport checks that an export without batches, checkpoint or
// chain-head fails, naming both missing files.
func TestEmptyExport(t *testing.T) {
	d, err := export.Create(filepath.Join(t.TempDir(), "export"))
	if err != nil {
		t.Fatal(err)
	}
	rep := check(t, d.Root(), guardtest.New(t, "link-1").KeyText())
	want := []verify.Problem{
		{Kind: verify.KindHead, Index: -1, Detail: "checkpoint file missing"},
		{Kind: verify.KindHead, Index: -1, Detail: "chain-head file missing"},
	}
	if fmt.Sprint(rep.Problems) != fmt.Sprint(want) || rep.ExitCode() != verify.ExitMismatch {
		t.Fatalf("problems %v, exit %d; want %v, exit %d", rep.Problems, rep.ExitCode(), want, verify.ExitMismatch)
	}
}

// TestAllBatchesDeleted deletes every batch of an export with tiles: the
// missing batches and the checkpoint claiming them come first, and the
// tiles beyond the (now empty) ledger make one problem per kind.
func TestAllBatchesDeleted(t *testing.T) {
	dir, hs := fixture(t, false)
	for seq := uint64(1); seq <= 3; seq++ {
		if err := os.Remove(export.BatchPath(dir, seq)); err != nil {
			t.Fatal(err)
		}
	}
	for n := uint64(1); n <= 5; n++ { // more tiles, as a longer ledger has
		os.WriteFile(export.TilePath(dir, tiles.Tile{Level: 0, Index: n, Width: tiles.Width}), nil, 0o444)
	}
	rep := check(t, dir, hs.KeyText())
	want := []verify.Problem{
		{Kind: verify.KindMissing, Seq: 3, Index: -1,
			Detail: "batches 1 to 3 are missing: the batches folder holds no batch file, the chain-head names 3 records up to batch 3"},
		{Kind: verify.KindHead, Index: -1, Detail: "published checkpoint claims size 10, but there are no batches"},
	}
	if len(rep.Problems) < 2 || fmt.Sprint(rep.Problems[:2]) != fmt.Sprint(want) {
		t.Fatalf("first problems %v\nwant %v", rep.Problems, want)
	}
	count := map[verify.Kind][]string{}
	for _, p := range rep.Problems {
		count[p.Kind] = append(count[p.Kind], p.Detail)
	}
	wantTiles := "6 tiles lie beyond the ledger's end at 0 (tile/0/000.p/10 to tile/0/005)"
	wantBundles := "tile/entries/000.p/10 lies beyond the ledger's end at 0"
	if len(count[verify.KindTile]) != 1 || count[verify.KindTile][0] != wantTiles {
		t.Fatalf("tile problems %q, want [%q]", count[verify.KindTile], wantTiles)
	}
	if len(count[verify.KindBundle]) != 1 || count[verify.KindBundle][0] != wantBundles {
		t.Fatalf("bundle problems %q, want [%q]", count[verify.KindBundle], wantBundles)
	}
	if rep.ExitCode() != verify.ExitMismatch {
		t.Fatalf("exit %d, want %d", rep.ExitCode(), verify.ExitMismatch)
	}
}

// TestChainHeadDiff changes fields of the chain-head file and checks that
// the problem names each differing field with both values.
func TestChainHeadDiff(t *testing.T) {
	tests := []struct {
		name   string
		change func(h *export.ChainHead)
		want   func(h export.ChainHead) string
	}{
		{"chain hash", func(h *export.ChainHead) { h.Chain[0] ^= 1 }, func(h export.ChainHead) string {
			c := h.Chain
			c[0] ^= 1
			return fmt.Sprintf("chain-head differs from the batches: chain %x (batches: %x)", c[:], h.Chain[:])
		}},
		{"records and size", func(h *export.ChainHead) { h.Records, h.Size = 4, 11 }, func(export.ChainHead) string {
			return "chain-head differs from the batches: records 4 (batches: 3), size 11 (batches: 10)"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, hs := fixture(t, false)
			p := filepath.Join(dir, export.ChainHeadFile)
			b, _ := os.ReadFile(p)
			h, err := export.ParseChainHead(b)
			if err != nil {
				t.Fatal(err)
			}
			orig := h
			tt.change(&h)
			rewrite(t, p, func([]byte) []byte { b, _ := h.MarshalText(); return b })
			rep := check(t, dir, hs.KeyText())
			want := []verify.Problem{{Kind: verify.KindHead, Seq: 3, Index: -1, Detail: tt.want(orig)}}
			if fmt.Sprint(rep.Problems) != fmt.Sprint(want) {
				t.Fatalf("problems %v\nwant %v", rep.Problems, want)
			}
		})
	}
}
