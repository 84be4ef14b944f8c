package tiles

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"bastion/shared/merkle"
)

// ProveRecord returns the inclusion proof of leaf index in the tree of
// size leaves, built from the tiles read (RFC 6962 §2.1.1). It returns an
// error when index is not below size or a tile cannot be read.
func ProveRecord(index, size uint64, read Reader) ([]merkle.Hash, error) {
	if index >= size || size > merkle.MaxCompactSize {
		return nil, fmt.Errorf("no leaf %d in a tree of size %d", index, size)
	}
	p, err := tlog.ProveRecord(int64(size), int64(index), hashReader(read))
	if err != nil {
		return nil, err
	}
	out := make([]merkle.Hash, len(p))
	for i, h := range p {
		out[i] = merkle.Hash(h)
	}
	return out, nil
}

// hashReader serves tlog's stored hashes from tiles: the node n at tree
// level lv is the perfect subtree over nodes of level 8·L = 8·⌊lv/8⌋,
// which all sit in one tile.
func hashReader(read Reader) tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			lv, n := tlog.SplitStoredHashIndex(x)
			l, k := lv/Height, lv%Height
			lo := uint64(n) << k
			t := Tile{Level: l, Index: lo / Width, Width: int((lo % Width) + 1<<k)}
			data, err := read(t)
			if err != nil {
				return nil, err
			}
			hs, err := ParseTile(t, data)
			if err != nil {
				return nil, err
			}
			out[i] = tlog.Hash(subtree(hs[lo%Width:]))
		}
		return out, nil
	})
}
