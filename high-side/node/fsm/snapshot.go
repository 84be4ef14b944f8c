package fsm

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/raft"
	"go.etcd.io/bbolt"
)

// snapshotMagic opens every snapshot stream; a whole bbolt file follows.
var snapshotMagic = []byte("bastion-fsm-snapshot-v1\n")

// ErrBadSnapshot is returned by Restore for a stream that is not a
// snapshot this package wrote.
var ErrBadSnapshot = errors.New("malformed snapshot")

// snapshot is a read transaction held open until Raft has persisted it.
type snapshot struct{ tx *bbolt.Tx }

// Snapshot opens a read transaction over the whole state. Persisting it
// streams a consistent copy of the file while commands keep applying.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	tx, err := f.db.Begin(false)
	if err != nil {
		return nil, fmt.Errorf("failed to begin snapshot: %w", err)
	}
	return &snapshot{tx: tx}, nil
}

// Persist writes the magic and the file to sink.
func (s *snapshot) Persist(sink raft.SnapshotSink) error {
	w := bufio.NewWriterSize(sink, 1<<20)
	_, err := w.Write(snapshotMagic)
	if err == nil {
		_, err = s.tx.WriteTo(w)
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		sink.Cancel()
		return fmt.Errorf("failed to write snapshot: %w", err)
	}
	return sink.Close()
}

// Release ends the read transaction.
func (s *snapshot) Release() { s.tx.Rollback() }

// Restore replaces the state file with the one in rc. The stream is first
// written beside the file and checked; only then is the file swapped by
// rename, so a failed restore leaves the old state in place. It returns
// ErrBadSnapshot for a stream that is not a snapshot.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	tmp := f.path + ".restore"
	if err := receiveSnapshot(rc, tmp); err != nil {
		os.Remove(tmp)
		return err
	}

	// Swap the files while no reader holds the database.
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.db.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("failed to close state file: %w", err)
	}
	if err := os.Rename(tmp, f.path); err != nil {
		os.Remove(tmp)
		if rerr := f.reopen(); rerr != nil {
			return rerr
		}
		return fmt.Errorf("failed to replace state file: %w", err)
	}
	syncDir(filepath.Dir(f.path))
	if err := f.reopen(); err != nil {
		return err
	}
	f.logger.Info("state restored from snapshot", slog.Uint64("applied_index", f.applied.Load()),
		slog.Uint64("ledger_size", f.ledgerSize.Load()))
	if f.opts.OnApply != nil {
		f.opts.OnApply(f.ledgerSize.Load())
	}
	return nil
}

// reopen opens the file at f.path again; a failure halts the machine.
func (f *FSM) reopen() error {
	if err := f.load(); err != nil {
		f.halt(err)
		return err
	}
	return nil
}

// receiveSnapshot writes the file in a snapshot stream to path, syncs it
// and checks that it opens as a state file.
func receiveSnapshot(r io.Reader, path string) error {
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(r, magic); err != nil || !bytes.Equal(magic, snapshotMagic) {
		return fmt.Errorf("%w: bad header", ErrBadSnapshot)
	}
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("failed to create %s: %w", path, err)
	}
	_, err = io.Copy(out, r)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("failed to receive snapshot: %w", err)
	}
	return checkStateFile(path)
}

// checkStateFile opens path read-only and checks that it holds the node's
// buckets.
func checkStateFile(path string) error {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSnapshot, err)
	}
	defer db.Close()
	return db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil || tx.Bucket(bucketReceipts) == nil {
			return fmt.Errorf("%w: state buckets missing", ErrBadSnapshot)
		}
		return nil
	})
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
