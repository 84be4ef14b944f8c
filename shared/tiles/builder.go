package tiles

import (
	"errors"
	"fmt"
	"math/bits"

	"bastion/shared/merkle"
)

// File is one tile with its content.
type File struct {
	Tile Tile
	Data []byte
}

// ErrTileData is returned for tile content of the wrong length.
var ErrTileData = errors.New("malformed tile data")

// Builder computes the tiles of a growing tree from its leaf hashes and
// entries. It keeps only the right edge: per level, the nodes of the tile
// not yet full, and the entries of the last bundle, so its memory is
// bounded by 8 levels of 255 hashes and 255 entries. The zero value is
// the empty tree. A Builder is not safe for concurrent use.
type Builder struct {
	size    uint64
	edge    [][]merkle.Hash // edge[L]: nodes of level 8·L in the incomplete tile
	entries [][]byte        // entries of the incomplete bundle; nil: not published
}

// Size returns the number of leaves appended.
func (b *Builder) Size() uint64 { return b.size }

// Clone returns an independent copy of b.
func (b *Builder) Clone() *Builder {
	c := &Builder{size: b.size, entries: append([][]byte(nil), b.entries...)}
	for _, e := range b.edge {
		c.edge = append(c.edge, append([]merkle.Hash(nil), e...))
	}
	return c
}

// Append adds leaves at indexes Size onwards and returns every tile they
// change: each tile that became full, then the partial tiles of the new
// right edge whose content changed, lowest level first, entry bundles
// before hash tiles at the same point. entries[i] is the entry whose leaf
// hash is leaves[i], or nil when its bytes are not published (see the
// package documentation); entries may be nil altogether.
func (b *Builder) Append(leaves []merkle.Hash, entries [][]byte) []File {
	dirty := make([]bool, len(b.edge)+1)
	out := b.extend(leaves, entries, &dirty)
	if len(leaves) == 0 {
		return out
	}
	if len(b.entries) > 0 {
		out = append(out, File{Tile{EntriesLevel, b.size / Width, len(b.entries)}, EncodeBundle(b.entries)})
	}
	for l, e := range b.edge {
		if len(e) > 0 && l < len(dirty) && dirty[l] {
			out = append(out, File{Tile{l, b.nodes(l) / Width, len(e)}, encodeHashes(e)})
		}
	}
	return out
}

// Extend adds leaves like Append but returns only the tiles that became
// full, each exactly once; the partial tiles of the new right edge are
// left to Edge. A writer that appends several batches before publishing
// one tree size encodes each partial tile once this way.
func (b *Builder) Extend(leaves []merkle.Hash, entries [][]byte) []File {
	dirty := make([]bool, len(b.edge)+1)
	return b.extend(leaves, entries, &dirty)
}

// extend appends leaves, returning the full tiles and marking in dirty
// the levels whose edge changed.
func (b *Builder) extend(leaves []merkle.Hash, entries [][]byte, dirty *[]bool) []File {
	var out []File
	for i, h := range leaves {
		var e []byte
		if entries != nil {
			e = entries[i]
		}
		b.size++
		out = b.appendEntry(out, e)
		out = b.appendNode(out, 0, h, dirty)
	}
	return out
}

// appendEntry adds one entry to the bundle edge, emitting a full bundle.
func (b *Builder) appendEntry(out []File, e []byte) []File {
	if len(e) > MaxEntry {
		e = nil
	}
	b.entries = append(b.entries, e)
	if len(b.entries) < Width {
		return out
	}
	out = append(out, File{Tile{EntriesLevel, b.size/Width - 1, Width}, EncodeBundle(b.entries)})
	b.entries = b.entries[:0]
	return out
}

// appendNode adds a node at tile level l; a tile that fills is emitted and
// its subtree hash carried to level l+1.
func (b *Builder) appendNode(out []File, l int, h merkle.Hash, dirty *[]bool) []File {
	for len(b.edge) <= l {
		b.edge = append(b.edge, nil)
	}
	for len(*dirty) <= l {
		*dirty = append(*dirty, false)
	}
	(*dirty)[l] = true
	b.edge[l] = append(b.edge[l], h)
	if len(b.edge[l]) < Width {
		return out
	}
	full := b.edge[l]
	idx := b.nodes(l)/Width - 1
	out = append(out, File{Tile{l, idx, Width}, encodeHashes(full)})
	top := subtree(full)
	b.edge[l] = full[:0:0]
	return b.appendNode(out, l+1, top, dirty)
}

// nodes returns how many nodes of tree level 8·l are complete.
func (b *Builder) nodes(l int) uint64 { return b.size >> (Height * l) }

// Root returns the RFC 6962 root of the Size leaves (§2.1): the perfect
// subtrees of the right edge, highest level first, folded from the right.
func (b *Builder) Root() merkle.Hash {
	var peaks []merkle.Hash
	for l := len(b.edge) - 1; l >= 0; l-- {
		e := b.edge[l]
		for len(e) > 0 {
			k := 1 << (bits.Len(uint(len(e))) - 1)
			peaks = append(peaks, subtree(e[:k]))
			e = e[k:]
		}
	}
	if len(peaks) == 0 {
		return merkle.EmptyRoot()
	}
	r := peaks[len(peaks)-1]
	for i := len(peaks) - 2; i >= 0; i-- {
		r = merkle.NodeHash(peaks[i], r)
	}
	return r
}

// subtree returns the hash of a perfect subtree over hs (a power of two).
func subtree(hs []merkle.Hash) merkle.Hash {
	buf := append([]merkle.Hash(nil), hs...)
	for n := len(buf); n > 1; n /= 2 {
		for i := 0; i < n/2; i++ {
			buf[i] = merkle.NodeHash(buf[2*i], buf[2*i+1])
		}
	}
	return buf[0]
}

// encodeHashes concatenates hashes: the content of a hash tile.
func encodeHashes(hs []merkle.Hash) []byte {
	out := make([]byte, 0, len(hs)*merkle.HashSize)
	for _, h := range hs {
		out = append(out, h[:]...)
	}
	return out
}

// ParseTile splits the content of hash tile t into its hashes. It returns
// ErrTileData unless data holds exactly t.Width hashes.
func ParseTile(t Tile, data []byte) ([]merkle.Hash, error) {
	if t.Entries() || t.Width < 1 || t.Width > Width {
		return nil, fmt.Errorf("%w: %s is not a hash tile", ErrTileData, t)
	}
	if len(data) != t.Width*merkle.HashSize {
		return nil, fmt.Errorf("%w: %s holds %d bytes, want %d", ErrTileData, t, len(data), t.Width*merkle.HashSize)
	}
	hs := make([]merkle.Hash, t.Width)
	for i := range hs {
		hs[i] = merkle.Hash(data[i*merkle.HashSize:])
	}
	return hs, nil
}

// Edge returns the tiles of the right edge with their content: the
// partial tiles EdgeTiles(Size) names, as Append last wrote them.
func (b *Builder) Edge() []File {
	var out []File
	for l, e := range b.edge {
		if len(e) > 0 {
			out = append(out, File{Tile{l, b.nodes(l) / Width, len(e)}, encodeHashes(e)})
		}
	}
	if len(b.entries) > 0 {
		out = append(out, File{Tile{EntriesLevel, b.size / Width, len(b.entries)}, EncodeBundle(b.entries)})
	}
	return out
}
