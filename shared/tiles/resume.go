package tiles

import (
	"fmt"

	"bastion/shared/merkle"
)

// Reader returns the content of a tile. A reader may serve a tile from a
// wider version of it (the first Width hashes or entries), since a
// narrower partial tile is a prefix of every wider one.
type Reader func(Tile) ([]byte, error)

// EdgeTiles returns the tiles that hold the right edge of a tree of size
// leaves: per level, the partial tile of its incomplete nodes, lowest
// level first, then the partial entry bundle; levels whose nodes all sit
// in full tiles have none. These are the tiles Resume reads.
func EdgeTiles(size uint64) []Tile {
	var out []Tile
	for l := 0; l <= MaxLevel && size>>(Height*l) > 0; l++ {
		n := size >> (Height * l)
		if w := int(n % Width); w > 0 {
			out = append(out, Tile{l, n / Width, w})
		}
	}
	if w := int(size % Width); w > 0 {
		out = append(out, Tile{EntriesLevel, size / Width, w})
	}
	return out
}

// Resume returns a Builder at tree size size, reading the right edge
// from tiles already written (EdgeTiles). It returns the reader's errors
// and ErrTileData or ErrBundle for tiles that do not parse.
func Resume(size uint64, read Reader) (*Builder, error) {
	b := &Builder{size: size}
	for l := 0; size>>(Height*l) > 0; l++ {
		b.edge = append(b.edge, nil)
	}
	for _, t := range EdgeTiles(size) {
		data, err := read(t)
		if err != nil {
			return nil, fmt.Errorf("failed to read %s: %w", t, err)
		}
		if t.Entries() {
			if b.entries, err = ParseBundle(t, data); err != nil {
				return nil, err
			}
			continue
		}
		if b.edge[t.Level], err = ParseTile(t, data); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// RootFromTiles returns the root of the tree of size leaves computed from
// its edge tiles alone (RFC 6962 §2.1). It returns the errors of Resume.
func RootFromTiles(size uint64, read Reader) (merkle.Hash, error) {
	b, err := Resume(size, func(t Tile) ([]byte, error) {
		if t.Entries() {
			return make([]byte, 2*t.Width), nil // entries do not enter the root
		}
		return read(t)
	})
	if err != nil {
		return merkle.Hash{}, err
	}
	return b.Root(), nil
}
