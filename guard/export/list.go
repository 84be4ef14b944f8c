package export

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// File is one well-named entry of a batches folder.
type File struct {
	Seq      uint64
	Withheld bool
}

// Name returns the file's name, rebuilt from its parsed fields.
func (f File) Name() string {
	if f.Withheld {
		return WithheldName(f.Seq)
	}
	return BatchName(f.Seq)
}

// Listing is what ListBatches found in a batches folder.
type Listing struct {
	Files []File   // well-named regular files, by seq (batch before withheld)
	Other []string // every other name, quoted for display, in folder order
}

// ListBatches reads root/batches and sorts its entries by the allow-list
// of ParseBatchName. No name read from the folder is used to open a file:
// callers open Path(root, f), which rebuilds the name from parsed fields.
func ListBatches(root string) (Listing, error) {
	var l Listing
	ents, err := os.ReadDir(filepath.Join(root, BatchesDir))
	if err != nil {
		return l, fmt.Errorf("failed to list batches: %w", err)
	}
	for _, e := range ents {
		seq, withheld, err := ParseBatchName(e.Name())
		if err != nil || !e.Type().IsRegular() {
			l.Other = append(l.Other, fmt.Sprintf("%q", e.Name()))
			continue
		}
		l.Files = append(l.Files, File{Seq: seq, Withheld: withheld})
	}
	slices.SortFunc(l.Files, func(a, b File) int {
		if a.Seq != b.Seq {
			return cmpUint(a.Seq, b.Seq)
		}
		return cmpBool(a.Withheld, b.Withheld)
	})
	return l, nil
}

// Path returns the path of f below root.
func Path(root string, f File) string {
	return filepath.Join(root, BatchesDir, f.Name())
}

// BatchPath returns the path of accepted batch seq below root.
func BatchPath(root string, seq uint64) string { return Path(root, File{Seq: seq}) }

func cmpUint(a, b uint64) int {
	if a < b {
		return -1
	}
	return 1
}

func cmpBool(a, b bool) int {
	if a == b {
		return 0
	}
	if !a {
		return -1
	}
	return 1
}
