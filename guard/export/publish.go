package export

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// Published is one batch file to publish: its name and its bytes.
type Published struct {
	File File
	Data []byte
}

// Publish writes batch files, the tiles they add to the tile tree and
// then, when checkpoint is not nil, the checkpoint and chain-head files,
// with as few waits for the disk as the order allows:
//
//  1. every new file is written under its temporary name and fsynced,
//     all files at once;
//  2. the batch files are renamed into place and batches/ is fsynced;
//  3. the tiles (package tiles) are renamed into place and their folders
//     fsynced;
//  4. the checkpoint and chain head are renamed into place and the root
//     is fsynced; partial tiles the new checkpoint supersedes are removed.
//
// So the checkpoint and chain head never name a batch file or a tile that
// a crash could lose, and a reader never sees part of a file. Files must
// come in ledger order and continue the tiles (ErrTiles); a file the tiles
// already cover adds none. Batch files and tiles are write-once as in
// WriteBatch: a file already there with the same bytes is left alone, one
// with other bytes fails with ErrConflict and nothing is renamed. On
// error the tile state is unchanged.
func (d *Dir) Publish(files []Published, checkpoint []byte, head ChainHead) error {
	var batches, heads []pendingFile
	for _, f := range files {
		p := filepath.Join(d.root, BatchesDir, f.File.Name())
		fresh, err := isNew(p, f.Data)
		if err != nil {
			return err
		}
		if fresh {
			batches = append(batches, pendingFile{path: p, data: f.Data})
		}
	}
	tb, tfs, err := d.tilesFor(files)
	if err != nil {
		return err
	}
	tileFiles, tileDirs, err := d.pendingTiles(tfs)
	if err != nil {
		return err
	}
	if checkpoint != nil {
		hb, _ := head.MarshalText()
		heads = []pendingFile{{path: filepath.Join(d.root, CheckpointFile), data: checkpoint},
			{path: filepath.Join(d.root, ChainHeadFile), data: hb}}
	}
	if err := publishInOrder(batches, tileFiles, tileDirs, heads); err != nil {
		return err
	}
	d.tiles = tb
	d.notePartials(tfs)
	if checkpoint != nil {
		d.pruneTiles(tb.Size())
	}
	return nil
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

// publishInOrder stages every file, then renames the groups in turn,
// syncing each group's folders (and extra, the parents of new folders)
// before the next group is renamed.
func publishInOrder(batches, tileFiles []pendingFile, extra []string, heads []pendingFile) error {
	all := slices.Concat(batches, tileFiles, heads)
	if err := stageAll(all); err != nil {
		return err
	}
	groups := [][]pendingFile{batches, tileFiles, heads}
	for i, g := range groups {
		var dirs []string
		if i == 1 {
			dirs = extra
		}
		if err := renameAll(g, dirs); err != nil {
			for _, later := range groups[i+1:] {
				removeTmps(later)
			}
			return err
		}
	}
	return nil
}

// stageAll writes and fsyncs every file under its temporary name, all at
// once; on error no temporary file is left.
func stageAll(files []pendingFile) error {
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Go(func() { errs[i] = stage(f) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		removeTmps(files)
		return err
	}
	return nil
}

// stage writes one temporary file, fsyncs it and makes it read-only.
func stage(p pendingFile) error {
	f, err := os.OpenFile(p.tmp(), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("failed to create %s: %w", filepath.Base(p.path), err)
	}
	err = writeSync(f, p.data, 0o444)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("failed to write %s: %w", filepath.Base(p.path), err)
	}
	return nil
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
	for _, dir := range slices.Compact(dirs) {
		if err := syncDir(dir); err != nil {
			return err
		}
	}
	return nil
}

func removeTmps(files []pendingFile) {
	for _, f := range files {
		os.Remove(f.tmp())
	}
}
