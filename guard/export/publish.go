package export

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"bastion/shared/merkle"
)

// Published is one batch file to publish: its name, its bytes and, when
// the caller already has it, its ledger content.
type Published struct {
	File File
	Data []byte
	// Ledger is what the tiles need of the file. The guard computed it
	// while checking the batch; nil makes Publish parse Data (Content).
	Ledger *Ledger
}

// Ledger is the ledger content of a published file, as Content returns
// it.
type Ledger struct {
	First   uint64        // ledger index of Leaves[0]
	Leaves  []merkle.Hash // leaf hash of every item, in order
	Entries [][]byte      // entry of each full item, nil for a leaf hash only; nil for a withheld file
}

// Publish writes batch files, the tiles they add to the tile tree and
// then, when checkpoint is not nil, the checkpoint and chain-head files,
// with as few waits for the disk as the order allows:
//
//  1. every new file is written under its temporary name and fsynced
//     once, up to syncWorkers fsyncs at a time;
//  2. the batch files and tiles (package tiles) are renamed into place
//     and each of their folders is fsynced once;
//  3. the checkpoint and chain head are renamed into place and the root
//     is fsynced; partial tiles the new checkpoint supersedes are removed.
//
// So the checkpoint and chain head never name a batch file or a tile that
// a crash could lose, and a reader never sees part of a file. Files must
// come in ledger order and continue the tiles (ErrTiles); a file the tiles
// already cover adds none. Batch files are write-once as in WriteBatch: a
// file already there with the same bytes is left alone, one with other
// bytes fails with ErrConflict and nothing is renamed. Each full tile is
// written once, each edge tile once per new width. On error the tile
// state is unchanged.
func (d *Dir) Publish(files []Published, checkpoint []byte, head ChainHead) error {
	batches, err := d.newBatches(files)
	if err != nil {
		return err
	}
	tb, tfs, err := d.tilesFor(files)
	if err != nil {
		return err
	}
	tileFiles, tileDirs, err := d.pendingTiles(tfs)
	if err != nil {
		return err
	}
	var heads []pendingFile
	if checkpoint != nil {
		hb, _ := head.MarshalText()
		heads = []pendingFile{{path: filepath.Join(d.root, CheckpointFile), data: checkpoint},
			{path: filepath.Join(d.root, ChainHeadFile), data: hb}}
	}
	if err := publishInOrder(append(batches, tileFiles...), tileDirs, heads); err != nil {
		return err
	}
	d.tiles = tb
	d.notePartials(tfs)
	if checkpoint != nil {
		d.pruneTiles(tb.Size())
	}
	return nil
}

// newBatches returns the batch files of files not yet on disk.
func (d *Dir) newBatches(files []Published) ([]pendingFile, error) {
	var out []pendingFile
	for _, f := range files {
		p := filepath.Join(d.root, BatchesDir, f.File.Name())
		fresh, err := isNew(p, f.Data)
		if err != nil {
			return nil, err
		}
		if fresh {
			out = append(out, pendingFile{path: p, data: f.Data})
		}
	}
	return out, nil
}

// isNew reports whether the batch file at path is still to be written.
func isNew(path string, data []byte) (bool, error) {
	old, err := os.ReadFile(path)
	switch {
	case err == nil && string(old) == string(data):
		return false, nil
	case err == nil:
		return false, fmt.Errorf("%w: %s", ErrConflict, filepath.Base(path))
	case !errors.Is(err, os.ErrNotExist):
		return false, fmt.Errorf("failed to read published file: %w", err)
	}
	return true, nil
}

// pendingFile is a file written under its temporary name, not yet renamed.
type pendingFile struct {
	path string
	data []byte
}

func (p pendingFile) tmp() string {
	dir, base := filepath.Split(p.path)
	return filepath.Join(dir, "."+base+".tmp")
}

// publishInOrder stages every file, then renames data, syncing each of
// its folders (and extra, the parents of new folders) once, before heads
// are renamed and the root synced.
func publishInOrder(data []pendingFile, extra []string, heads []pendingFile) error {
	all := slices.Concat(data, heads)
	if err := stageAll(all); err != nil {
		return err
	}
	if err := renameAll(data, extra); err != nil {
		removeTmps(heads)
		return err
	}
	return renameAll(heads, nil)
}

// renameAll moves staged files into place and fsyncs each folder they
// are in, and each of extra, once.
func renameAll(files []pendingFile, extra []string) error {
	if len(files) == 0 {
		return nil
	}
	dirs := slices.Clone(extra)
	for i, f := range files {
		if err := os.Rename(f.tmp(), f.path); err != nil {
			removeTmps(files[i:])
			return fmt.Errorf("failed to write %s: %w", filepath.Base(f.path), err)
		}
		dirs = append(dirs, filepath.Dir(f.path))
	}
	slices.Sort(dirs)
	dirs = slices.Compact(dirs)
	return syncEach(len(dirs), func(i int) error { return syncDir(dirs[i]) })
}

func removeTmps(files []pendingFile) {
	for _, f := range files {
		os.Remove(f.tmp())
	}
}
