package tiles

import (
	"bytes"
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"bastion/shared/merkle"
)

// store is an in-memory tile tree: every version written, and the widest
// version of each tile, which serves narrower reads as its prefix.
type store struct {
	files  map[string][]byte
	widest map[Tile][]byte // keyed by tile with Width 0
}

func newStore() *store { return &store{files: map[string][]byte{}, widest: map[Tile][]byte{}} }

func (s *store) put(fs []File) {
	for _, f := range fs {
		s.files[f.Tile.Path()] = f.Data
		k := f.Tile
		k.Width = 0
		s.widest[k] = f.Data
	}
}

func (s *store) read(t Tile) ([]byte, error) {
	k := t
	k.Width = 0
	data := s.widest[k]
	if t.Entries() {
		es, err := ParseBundle(Tile{EntriesLevel, t.Index, countEntries(data)}, data)
		if err != nil || len(es) < t.Width {
			return nil, fmt.Errorf("no %s", t)
		}
		return EncodeBundle(es[:t.Width]), nil
	}
	n := t.Width * merkle.HashSize
	if len(data) < n {
		return nil, fmt.Errorf("no %s", t)
	}
	return data[:n], nil
}

func countEntries(data []byte) int {
	n := 0
	for len(data) >= 2 {
		data = data[min(len(data), 2+(int(data[0])<<8|int(data[1]))):]
		n++
	}
	return n
}

// reference is the tree of x/mod's tlog: stored hashes of every leaf.
type reference struct{ stored []tlog.Hash }

func (r *reference) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = r.stored[x]
	}
	return out, nil
}

func leafEntry(i int) []byte {
	if i%7 == 3 {
		return nil // not published
	}
	return []byte(fmt.Sprintf("entry %d", i))
}

// build appends n leaves in batches of varying size, starting over from
// the written tiles (Resume) every few batches, as a restarted writer does.
func build(t *testing.T, n int, ref *reference) (*store, *Builder) {
	t.Helper()
	s, b := newStore(), &Builder{}
	for i, batchNo := 0, 0; i < n; batchNo++ {
		k := min(n-i, 1+(batchNo*37)%300)
		var leaves []merkle.Hash
		var entries [][]byte
		for j := i; j < i+k; j++ {
			e := leafEntry(j)
			leaves = append(leaves, merkle.LeafHash([]byte(fmt.Sprintf("entry %d", j))))
			entries = append(entries, e)
			hs, err := tlog.StoredHashesForRecordHash(int64(j), tlog.Hash(leaves[len(leaves)-1]), ref)
			if err != nil {
				t.Fatal(err)
			}
			ref.stored = append(ref.stored, hs...)
		}
		s.put(b.Append(leaves, entries))
		i += k
		if batchNo%5 == 4 {
			var err error
			if b, err = Resume(b.Size(), s.read); err != nil {
				t.Fatalf("Resume(%d): %v", b.Size(), err)
			}
		}
	}
	return s, b
}

// TestRoundTrip writes the tiles of trees at and around tile boundaries,
// reads them back and recomputes the root (L5), and checks every full
// tile against x/mod's tlog.ReadTileData.
func TestRoundTrip(t *testing.T) {
	for _, n := range []int{1, 255, 256, 257, 511, 512, 513, 65535, 65536, 65537} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			ref := &reference{}
			s, b := build(t, n, ref)
			want, err := tlog.TreeHash(int64(n), ref)
			if err != nil {
				t.Fatal(err)
			}
			got, err := RootFromTiles(uint64(n), s.read)
			if err != nil || got != merkle.Hash(want) || b.Root() != got {
				t.Fatalf("root from tiles = %s, %v; builder %s; want %s", got, err, b.Root(), merkle.Hash(want))
			}
			checkFiles(t, s, n, ref)
			checkProofs(t, s, uint64(n), merkle.Hash(want))
		})
	}
}

// checkFiles compares every tile of the final edge and every full tile
// with tlog, and every bundle with the entries.
func checkFiles(t *testing.T, s *store, n int, ref *reference) {
	t.Helper()
	for k, data := range s.widest {
		w := len(data) / merkle.HashSize
		if k.Entries() {
			checkBundle(t, k, data, n)
			continue
		}
		want, err := tlog.ReadTileData(tlog.Tile{H: Height, L: k.Level, N: int64(k.Index), W: w}, ref)
		if err != nil || !bytes.Equal(data, want) {
			t.Fatalf("tile %s (width %d) differs from tlog's (%v)", k, w, err)
		}
	}
	for _, e := range EdgeTiles(uint64(n)) {
		if _, ok := s.files[e.Path()]; !ok {
			t.Fatalf("edge tile %s not written", e)
		}
	}
}

func checkBundle(t *testing.T, k Tile, data []byte, n int) {
	t.Helper()
	w := min(Width, n-int(k.Index)*Width)
	es, err := ParseBundle(Tile{EntriesLevel, k.Index, w}, data)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range es {
		if want := leafEntry(int(k.Index)*Width + i); !bytes.Equal(e, want) {
			t.Fatalf("bundle %d entry %d = %q, want %q", k.Index, i, e, want)
		}
	}
}

func checkProofs(t *testing.T, s *store, n uint64, root merkle.Hash) {
	t.Helper()
	for _, i := range []uint64{0, n / 2, n - 1} {
		p, err := ProveRecord(i, n, s.read)
		if err != nil {
			t.Fatalf("ProveRecord(%d, %d): %v", i, n, err)
		}
		leaf := merkle.LeafHash([]byte(fmt.Sprintf("entry %d", i)))
		if err := merkle.VerifyInclusion(i, n, leaf, p, root); err != nil {
			t.Fatalf("proof of %d in %d does not verify: %v", i, n, err)
		}
	}
}

func TestEmptyRoot(t *testing.T) {
	got, err := RootFromTiles(0, newStore().read)
	if err != nil || got != merkle.EmptyRoot() {
		t.Fatalf("RootFromTiles(0) = %s, %v; want SHA-256 of the empty string (L3)", got, err)
	}
}
