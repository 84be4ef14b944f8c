package report_test

import (
	"testing"

	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
	"bastion/low-side/verify"
	"bastion/shared/merkle"
)

func TestExportLeaves(t *testing.T) {
	bs := reporttest.RegulatoryBatches()
	dir := reporttest.WriteExport(t, t.TempDir(), bs...)
	e := report.NewExport(dir, nil)
	if _, err := e.Refresh(); err != nil {
		t.Fatal(err)
	}
	l := e.Leaves()
	// Index 9 is withheld and the fixture file carries no leaf hash for
	// it, so the store stops at the end of batch 1 (indexes 0-6), whose
	// checkpoint has size 7.
	hashes, _, note := l.Proven()
	if len(hashes) != 7 || string(note) != string(bs[0].Checkpoint) {
		t.Fatalf("proven %d leaves with note %q, want 7 and batch 1's checkpoint", len(hashes), note)
	}
	if want := merkle.LeafHash(bs[0].Items[3].Entry); hashes[3] != want {
		t.Errorf("leaf 3 = %s, want %s", hashes[3], want)
	}
	for _, tt := range []struct {
		idx  uint64
		seq  uint64
		held bool
	}{{0, 1, true}, {6, 1, true}, {7, 0, false}} {
		seq, ok := l.BatchOf(tt.idx)
		if seq != tt.seq || ok != tt.held {
			t.Errorf("BatchOf(%d) = %d, %v; want %d, %v", tt.idx, seq, ok, tt.seq, tt.held)
		}
	}
}

func TestExportLeafBlocks(t *testing.T) {
	bs := growBatches(2, 1500)
	dir := reporttest.WriteExport(t, t.TempDir(), bs...)
	e := report.NewExport(dir, nil)
	if _, err := e.Refresh(); err != nil {
		t.Fatal(err)
	}
	hashes, blocks, _ := e.Leaves().Proven()
	if len(hashes) != 3000 || len(blocks) != 2 {
		t.Fatalf("proven %d leaves in %d blocks, want 3000 in 2", len(hashes), len(blocks))
	}
	for i, b := range blocks {
		if want := verify.TreeHash(hashes[i*report.LeafBlock : (i+1)*report.LeafBlock]); b != want {
			t.Errorf("block %d root %s, want %s", i, b, want)
		}
	}
	if seq, ok := e.Leaves().BatchOf(1500); !ok || seq != 2 {
		t.Errorf("BatchOf(1500) = %d, %v; want batch 2", seq, ok)
	}
}
