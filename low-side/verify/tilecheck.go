package verify

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"bastion/guard/export"
	"bastion/shared/merkle"
	"bastion/shared/tiles"
)

// tileCheck compares the export's tile tree with the tiles rebuilt from
// the batch files: every tile file byte for byte (a partial tile as a
// prefix of its tile), every entry bundle, and the root the tiles give
// at the last checkpoint. An export without a tile folder, with a file
// in its place, or with one that holds no tile, is one problem (noTiles)
// and nothing is compared.
type tileCheck struct {
	dir     string
	notDir  bool                 // the tile folder's name is taken by something else
	onDisk  map[tiles.Tile][]int // tile (Width 0) → widths found, ascending
	b       tiles.Builder
	broken  bool // the rebuilt tree lost a leaf; nothing more is compared
	done    map[tiles.Tile]bool
	missing []absent   // tiles the ledger needs that are not on disk
	cache   tiles.Tile // level-0 tile in cacheHs
	cacheHs []merkle.Hash
}

// absent is a tile the ledger needs that the tile folder lacks, and the
// batch whose leaves reached it.
type absent struct {
	tile tiles.Tile
	seq  uint64
}

// key is a tile without its width.
func key(t tiles.Tile) tiles.Tile { t.Width = 0; return t }

// newTileCheck lists dir's tile folder; names outside the layout are
// problems. It returns nil when there is no tile folder, and one holding
// no tile, marked notDir, when a file is in its place.
func newTileCheck(dir string) (*tileCheck, []Problem) {
	root := filepath.Join(dir, export.TileDir)
	fi, err := os.Stat(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	tc := &tileCheck{dir: dir, onDisk: map[tiles.Tile][]int{}, done: map[tiles.Tile]bool{}}
	if err == nil && !fi.IsDir() {
		tc.notDir = true
		return tc, nil
	}
	var ps []Problem
	err = filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		t, err := tiles.ParsePath(filepath.ToSlash(rel))
		if err != nil || !e.Type().IsRegular() {
			ps = append(ps, problem(KindName, 0, "unexpected file %q in %s", rel, export.TileDir))
			return nil
		}
		tc.onDisk[key(t)] = append(tc.onDisk[key(t)], t.Width)
		return nil
	})
	if err != nil {
		ps = append(ps, problem(KindIO, 0, "%v", err))
	}
	for k := range tc.onDisk {
		slices.Sort(tc.onDisk[k])
	}
	return tc, ps
}

// read returns a tile of the export's tree at t.Width, from the widest
// file of that tile.
func (tc *tileCheck) read(t tiles.Tile) ([]byte, error) {
	ws := tc.onDisk[key(t)]
	if len(ws) == 0 || ws[len(ws)-1] < t.Width {
		return nil, fmt.Errorf("%s is missing", t)
	}
	w := ws[len(ws)-1]
	data, err := os.ReadFile(export.TilePath(tc.dir, tiles.Tile{Level: t.Level, Index: t.Index, Width: w}))
	if err != nil {
		return nil, err
	}
	return prefix(t, data)
}

// prefix cuts a tile's content to t.Width hashes or entries.
func prefix(t tiles.Tile, data []byte) ([]byte, error) {
	if t.Entries() {
		n, off := 0, 0
		for ; n < t.Width && off+2 <= len(data); n++ {
			off += 2 + (int(data[off])<<8 | int(data[off+1]))
		}
		if n < t.Width || off > len(data) {
			return nil, fmt.Errorf("%s: %w", t, tiles.ErrBundle)
		}
		return data[:off], nil
	}
	if n := t.Width * merkle.HashSize; len(data) >= n {
		return data[:n], nil
	}
	return nil, fmt.Errorf("%s: %w", t, tiles.ErrTileData)
}

// leafOnDisk returns the published level-0 hash at ledger index i.
func (tc *tileCheck) leafOnDisk(i uint64) (merkle.Hash, bool) {
	t := tiles.Tile{Level: 0, Index: i / tiles.Width}
	if tc.cacheHs == nil || tc.cache != t {
		ws := tc.onDisk[t]
		if len(ws) == 0 {
			return merkle.Hash{}, false
		}
		t.Width = ws[len(ws)-1]
		data, err := tc.read(t)
		hs, perr := tiles.ParseTile(t, data)
		if err != nil || perr != nil {
			return merkle.Hash{}, false
		}
		t.Width = 0
		tc.cache, tc.cacheHs = t, hs
	}
	if j := int(i % tiles.Width); j < len(tc.cacheHs) {
		return tc.cacheHs[j], true
	}
	return merkle.Hash{}, false
}

// modified returns the first index of leaves, which start at ledger
// index first, whose hash differs from the published level-0 tile.
func (tc *tileCheck) modified(first uint64, leaves []merkle.Hash) (uint64, bool) {
	for i, h := range leaves {
		if got, ok := tc.leafOnDisk(first + uint64(i)); ok && got != h {
			return first + uint64(i), true
		}
	}
	return 0, false
}

// add appends one file's leaves and compares every tile that became full.
func (tc *tileCheck) add(seq, first uint64, leaves []merkle.Hash, entries [][]byte) []Problem {
	if tc.broken || first != tc.b.Size() {
		tc.broken = true
		return nil
	}
	var ps []Problem
	for _, f := range tc.b.Append(leaves, entries) {
		if f.Tile.Full() {
			ps = append(ps, tc.compare(seq, f)...)
		}
	}
	return ps
}

// any reports whether the export's tile folder holds a tile; false for
// a nil tileCheck (no tile folder).
func (tc *tileCheck) any() bool { return tc != nil && len(tc.onDisk) > 0 }

// noTiles reports an export whose ledger, of size, is not empty but whose
// tile folder tc is missing (nil), is a file, or holds no tile. The guard
// writes the tiles a checkpoint covers before it publishes the
// checkpoint, so such an export lacks every tile: one problem says so,
// instead of one per tile. A file in place of the tile folder is a
// problem even when the ledger is empty.
func noTiles(tc *tileCheck, size uint64) []Problem {
	switch {
	case tc != nil && tc.notDir && size == 0:
		return []Problem{problem(KindName, 0, "%s is a file, not a folder", export.TileDir)}
	case tc != nil && tc.notDir:
		return []Problem{problem(KindTileMissing, 0, "%s is a file, not a folder; the ledger of size %d needs "+
			"its tiles and entry bundles", export.TileDir, size)}
	case size == 0:
		return nil
	case tc == nil:
		return []Problem{problem(KindTileMissing, 0, "%s folder is missing; the ledger of size %d needs its tiles "+
			"and entry bundles", export.TileDir, size)}
	}
	return []Problem{problem(KindTileMissing, 0, "%s folder holds no tile; the ledger of size %d needs its tiles "+
		"and entry bundles", export.TileDir, size)}
}

// compare checks every file of f's tile against f, the tile rebuilt from
// the batches: the version of f's width must exist, narrower ones must be
// its prefixes, wider ones must not exist.
func (tc *tileCheck) compare(seq uint64, f tiles.File) []Problem {
	k := key(f.Tile)
	tc.done[k] = true
	ws := tc.onDisk[k]
	kind := KindTile
	if f.Tile.Entries() {
		kind = KindBundle
	}
	if !slices.Contains(ws, f.Tile.Width) {
		tc.missing = append(tc.missing, absent{f.Tile, seq})
		return nil
	}
	var ps []Problem
	for _, w := range ws {
		t := tiles.Tile{Level: f.Tile.Level, Index: f.Tile.Index, Width: w}
		if w > f.Tile.Width {
			ps = append(ps, problem(kind, seq, "%s lies beyond the ledger's end at %d", t, tc.b.Size()))
			continue
		}
		data, err := os.ReadFile(export.TilePath(tc.dir, t))
		if err != nil {
			ps = append(ps, problem(KindIO, seq, "%v", err))
			continue
		}
		want, _ := prefix(t, f.Data)
		if !bytes.Equal(data, want) {
			ps = append(ps, problem(kind, seq, "%s differs from the one rebuilt from the batches%s",
				t, firstDiff(t, data, want)))
		}
	}
	return ps
}

// firstDiff names the first differing hash of two level tiles.
func firstDiff(t tiles.Tile, got, want []byte) string {
	if t.Entries() || len(got) != len(want) {
		return ""
	}
	for i := 0; i < len(got); i += merkle.HashSize {
		if !bytes.Equal(got[i:i+merkle.HashSize], want[i:i+merkle.HashSize]) {
			return fmt.Sprintf(" at hash %d", i/merkle.HashSize)
		}
	}
	return ""
}

// missingProblems reports the tiles the ledger needs that the tile folder
// lacks: one problem per kind, hash tiles then entry bundles, naming the
// tile when one is missing, else the count and the first and last in
// ledger order, so that a deleted folder of bundles is one line and not
// one per file.
func (tc *tileCheck) missingProblems() []Problem {
	var hashes, bundles []absent
	for _, a := range tc.missing {
		if a.tile.Entries() {
			bundles = append(bundles, a)
		} else {
			hashes = append(hashes, a)
		}
	}
	var ps []Problem
	for _, g := range []struct {
		noun string
		as   []absent
	}{{"tile", hashes}, {"entry bundle", bundles}} {
		n := len(g.as)
		switch n {
		case 0:
		case 1:
			ps = append(ps, problem(KindTileMissing, g.as[0].seq, "%s is missing", g.as[0].tile))
		default:
			first, last := g.as[0], g.as[n-1]
			p := problem(KindTileMissing, first.seq, "%s are missing (first %s, last %s)",
				plural(n, g.noun), first.tile, last.tile)
			p.LastSeq = last.seq
			ps = append(ps, p)
		}
	}
	return ps
}

// finish compares the right edge, reports tiles beyond the tree and
// recomputes the root at size from the tiles alone.
func (tc *tileCheck) finish(seq, size uint64, root merkle.Hash) []Problem {
	if tc.broken || tc.b.Size() != size {
		return nil
	}
	var ps []Problem
	for _, f := range tc.b.Edge() {
		ps = append(ps, tc.compare(seq, f)...)
	}
	var extra []tiles.Tile
	for k := range tc.onDisk {
		if !tc.done[k] {
			extra = append(extra, k)
		}
	}
	ps = append(ps, tc.beyond(seq, size, extra)...)
	got, err := tiles.RootFromTiles(size, tc.read)
	switch {
	case err != nil:
		ps = append(ps, problem(KindTileRoot, seq, "root at size %d cannot be computed from the tiles: %v", size, err))
	case got != root:
		ps = append(ps, problem(KindTileRoot, seq, "root from the tiles %s differs from the last checkpoint's %s at size %d",
			got, root, size))
	}
	return ps
}

// beyond reports the tiles of extra, which the ledger of size leaves does
// not reach: one problem per kind, hash tiles then entry bundles, naming
// the first and last by path and the count, so that a deleted ledger does
// not bury its cause under a problem per tile.
func (tc *tileCheck) beyond(seq, size uint64, extra []tiles.Tile) []Problem {
	var hashes, bundles []tiles.Tile
	for _, k := range extra {
		ws := tc.onDisk[k]
		k.Width = ws[len(ws)-1]
		if k.Entries() {
			bundles = append(bundles, k)
		} else {
			hashes = append(hashes, k)
		}
	}
	var ps []Problem
	for _, g := range []struct {
		kind  Kind
		noun  string
		tiles []tiles.Tile
	}{{KindTile, "tile", hashes}, {KindBundle, "entry bundle", bundles}} {
		ts := g.tiles
		slices.SortFunc(ts, func(a, b tiles.Tile) int { return strings.Compare(a.Path(), b.Path()) })
		switch len(ts) {
		case 0:
		case 1:
			ps = append(ps, problem(g.kind, seq, "%s lies beyond the ledger's end at %d", ts[0], size))
		default:
			ps = append(ps, problem(g.kind, seq, "%s lie beyond the ledger's end at %d (%s to %s)",
				plural(len(ts), g.noun), size, ts[0], ts[len(ts)-1]))
		}
	}
	return ps
}
