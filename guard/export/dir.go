package export

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"bastion/shared/tiles"
)

// Dir is an export directory being written. Its methods are not safe for
// concurrent use; the guard publishes from one goroutine.
type Dir struct {
	root     string
	tiles    *tiles.Builder      // tile tree state; nil until the first Publish
	partials map[tiles.Tile]bool // partial tiles written and not yet pruned
	dirs     map[string]bool     // tile folders known to exist
}

// Create makes root and its batches and keys folders (mode 0755) if they
// do not exist and returns the directory.
func Create(root string) (*Dir, error) {
	for _, d := range []string{root, filepath.Join(root, BatchesDir), filepath.Join(root, KeysDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("failed to create export directory: %w", err)
		}
	}
	return &Dir{root: root}, nil
}

// Root returns the directory's path.
func (d *Dir) Root() string { return d.root }

// WriteBatch publishes the raw bytes of batch seq as batches/<seq>.batch,
// mode 0444. A file already there with the same bytes is left alone (a
// republish after restart); one with other bytes is never replaced and
// ErrConflict is returned.
func (d *Dir) WriteBatch(seq uint64, raw []byte) error {
	return d.writeOnce(BatchName(seq), raw)
}

// writeOnce writes batches/name unless it exists; see WriteBatch.
func (d *Dir) writeOnce(name string, raw []byte) error {
	path := filepath.Join(d.root, BatchesDir, name)
	old, err := os.ReadFile(path)
	switch {
	case err == nil && bytes.Equal(old, raw):
		return nil
	case err == nil:
		return fmt.Errorf("%w: %s", ErrConflict, name)
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("failed to read published batch: %w", err)
	}
	return WriteFileAtomic(path, raw, 0o444)
}

// WriteCheckpoint replaces the checkpoint file with note (mode 0444).
func (d *Dir) WriteCheckpoint(note []byte) error {
	return WriteFileAtomic(filepath.Join(d.root, CheckpointFile), note, 0o444)
}

// WriteChainHead replaces the chain-head file (mode 0444).
func (d *Dir) WriteChainHead(h ChainHead) error {
	b, _ := h.MarshalText()
	return WriteFileAtomic(filepath.Join(d.root, ChainHeadFile), b, 0o444)
}

// WriteKey publishes a public key's text form as keys/<name>.pub (mode
// 0444). It returns ErrBadName for a name outside the allow-list.
func (d *Dir) WriteKey(name string, text []byte) error {
	file, err := KeyFileName(name)
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(d.root, KeysDir, file), text, 0o444)
}

// WriteFileAtomic writes data to path through a temporary file in the same
// folder: write, fsync, chmod to mode, rename over path, fsync the folder.
// The temporary name is path's base name between "." and ".tmp", so it
// needs no validation beyond path's own.
func WriteFileAtomic(path string, data []byte, mode os.FileMode) error {
	dir, base := filepath.Split(path)
	tmp := filepath.Join(dir, "."+base+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("failed to create %s: %w", base, err)
	}
	err = writeSync(f, data, mode)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("failed to write %s: %w", base, err)
	}
	return syncDir(dir)
}

func writeSync(f *os.File, data []byte, mode os.FileMode) error {
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Chmod(mode)
}

// syncDir fsyncs a folder so that a rename in it is durable.
func syncDir(dir string) error {
	if dir == "" {
		dir = "."
	}
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("failed to sync folder: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("failed to sync folder: %w", err)
	}
	return nil
}
