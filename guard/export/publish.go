package export

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Published is one batch file to publish: its name and its bytes.
type Published struct {
	File File
	Data []byte
}

// Publish writes batch files and then, when checkpoint is not nil, the
// checkpoint and chain-head files, with as few waits for the disk as the
// order allows:
//
//  1. every new file is written under its temporary name and fsynced,
//     all files at once;
//  2. the batch files are renamed into place and batches/ is fsynced;
//  3. the checkpoint and chain head are renamed into place and the root
//     is fsynced.
//
// So the checkpoint and chain head never name a batch file that a crash
// could lose, and a reader never sees part of a file. Batch files are
// write-once as in WriteBatch: a file already there with the same bytes
// is left alone, one with other bytes fails with ErrConflict and nothing
// is renamed.
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
	if checkpoint != nil {
		hb, _ := head.MarshalText()
		heads = []pendingFile{{path: filepath.Join(d.root, CheckpointFile), data: checkpoint},
			{path: filepath.Join(d.root, ChainHeadFile), data: hb}}
	}
	return publishInOrder(filepath.Join(d.root, BatchesDir), batches, d.root, heads)
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
		return false, fmt.Errorf("failed to read published batch: %w", err)
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

// publishInOrder stages both groups, then renames the first into dir1 and
// syncs it, then the second into dir2 and syncs it.
func publishInOrder(dir1 string, first []pendingFile, dir2 string, second []pendingFile) error {
	all := append(append([]pendingFile(nil), first...), second...)
	if err := stageAll(all); err != nil {
		return err
	}
	if err := renameAll(dir1, first); err != nil {
		removeTmps(second)
		return err
	}
	return renameAll(dir2, second)
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

// renameAll moves staged files into place and fsyncs their folder once.
func renameAll(dir string, files []pendingFile) error {
	if len(files) == 0 {
		return nil
	}
	for i, f := range files {
		if err := os.Rename(f.tmp(), f.path); err != nil {
			removeTmps(files[i:])
			return fmt.Errorf("failed to write %s: %w", filepath.Base(f.path), err)
		}
	}
	return syncDir(dir)
}

func removeTmps(files []pendingFile) {
	for _, f := range files {
		os.Remove(f.tmp())
	}
}
