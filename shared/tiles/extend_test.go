package tiles

import (
	"bytes"
	"fmt"
	"testing"

	"bastion/shared/merkle"
)

// TestExtendMatchesAppend appends the same leaves in chunks with Append
// and with Extend, and checks that Extend returns exactly the full tiles,
// each once, and that Extend followed by Edge gives the last version of
// every tile Append wrote.
func TestExtendMatchesAppend(t *testing.T) {
	tests := []struct {
		name   string
		chunks []int
	}{
		{"one leaf", []int{1}},
		{"exact tile", []int{256}},
		{"across tiles", []int{255, 2, 300, 1000}},
		{"to level 2", []int{65535, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a, e Builder
			lastA := map[Tile][]byte{} // keyed without width: last version
			fullE := map[Tile]int{}
			var first uint64
			for _, n := range tt.chunks {
				leaves, entries := testLeaves(first, n)
				first += uint64(n)
				for _, f := range a.Append(leaves, entries) {
					k := f.Tile
					k.Width = 0
					lastA[k] = f.Data
				}
				for _, f := range e.Extend(leaves, entries) {
					if !f.Tile.Full() {
						t.Fatalf("Extend returned partial tile %s", f.Tile)
					}
					fullE[f.Tile]++
					if fullE[f.Tile] > 1 {
						t.Fatalf("Extend returned %s twice", f.Tile)
					}
				}
			}
			if e.Root() != a.Root() || e.Size() != first {
				t.Fatalf("Extend root %s size %d, Append root %s size %d", e.Root(), e.Size(), a.Root(), first)
			}
			got := 0
			for tl := range fullE {
				k := tl
				k.Width = 0
				if _, ok := lastA[k]; !ok {
					t.Fatalf("Extend wrote full %s, Append did not", tl)
				}
				got++
			}
			for _, f := range e.Edge() {
				k := f.Tile
				k.Width = 0
				if !bytes.Equal(lastA[k], f.Data) {
					t.Fatalf("edge %s differs from Append's last version", f.Tile)
				}
				got++
			}
			if got != len(lastA) {
				t.Fatalf("Extend and Edge give %d tiles, Append wrote %d", got, len(lastA))
			}
		})
	}
}

// testLeaves returns n leaves from index first, every third one hash-only.
func testLeaves(first uint64, n int) ([]merkle.Hash, [][]byte) {
	leaves := make([]merkle.Hash, n)
	entries := make([][]byte, n)
	for i := range n {
		e := fmt.Appendf(nil, "entry %d", first+uint64(i))
		leaves[i] = merkle.LeafHash(e)
		if i%3 != 0 {
			entries[i] = e
		}
	}
	return leaves, entries
}
