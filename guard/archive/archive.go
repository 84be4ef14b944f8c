// Package archive is the guard's write-once store of accepted batches: a
// bbolt database of hash-chained records, the Merkle compact range that
// lets the guard recompute the ledger root, and the rejections it saw.
//
// A record is never changed or removed: Append fails for a sequence number
// already present. Each record's chain hash is SHA-256 of the previous
// chain hash and the record (export.NextChain), so any later change to a
// record breaks every chain hash after it. Append returns only after the
// bbolt transaction commits, which fsyncs the file: nothing is published
// before it is durable.
package archive

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"bastion/guard/export"
	"bastion/shared/merkle"
)

// Kind says what a record holds.
type Kind uint8

// Record kinds.
const (
	// KindBatch is an accepted batch: File is the raw signed batch.
	KindBatch Kind = 1
	// KindWithheld is a verified batch whose content failed the guard's
	// policy: File is its withheld form (export.Withheld), leaf hashes
	// only; the raw batch is not stored.
	KindWithheld Kind = 2
)

// Record is one archived batch.
type Record struct {
	Seq        uint64
	Kind       Kind
	First      uint64       // first ledger index covered
	Size       uint64       // ledger size after the batch
	File       []byte       // bytes published in the export directory
	Checkpoint []byte       // the batch's new signed checkpoint note
	Chain      export.Chain // chain hash after this record
}

// Head is the archive's state after its last record.
type Head struct {
	Records    uint64       // number of records
	Seq        uint64       // last record's seq (0 if none)
	Chain      export.Chain // last chain hash (export.GenesisChain if none)
	Size       uint64       // ledger size covered
	Root       merkle.Hash  // Merkle root at Size
	Checkpoint []byte       // last signed checkpoint note (nil if none)
}

// ChainHead returns the head in the form the export directory publishes.
func (h Head) ChainHead() export.ChainHead {
	return export.ChainHead{Records: h.Records, Seq: h.Seq, Chain: h.Chain, Size: h.Size, Root: h.Root}
}

// Rejection is a batch the pipeline rejected, kept for the record.
type Rejection struct {
	Time        time.Time `json:"time"`
	BatchSeq    uint64    `json:"batch_seq"`
	Stage       string    `json:"stage"`
	Reason      string    `json:"reason"`
	LedgerFirst uint64    `json:"ledger_first"` // as claimed by the batch
	LedgerSize  uint64    `json:"ledger_size"`  // as claimed by the batch
}

// Errors returned by Archive methods.
var (
	// ErrExists is returned by Append for a seq already archived.
	ErrExists = errors.New("record already archived")
	// ErrOutOfOrder is returned by Append for a record that does not
	// continue the archive: seq not after the last, First not equal to
	// the archived size, or a tree whose size is not the record's Size.
	ErrOutOfOrder = errors.New("record does not continue the archive")
	// ErrCorrupt is returned when stored bytes do not decode.
	ErrCorrupt = errors.New("archive corrupt")
	// ErrLocked is returned by Open and OpenReadOnly when another process
	// held the file's lock for all of LockTimeout. A running guard holds
	// the exclusive lock for as long as it runs.
	ErrLocked = errors.New("archive locked by another process")
)

var (
	bucketRecords    = []byte("records")
	bucketMeta       = []byte("meta")
	bucketRejections = []byte("rejections")
	keyHead          = []byte("head")
	keyTree          = []byte("tree")
)

// Archive is an open archive. Its methods are safe for concurrent use;
// bbolt serialises writers.
type Archive struct {
	db *bolt.DB
}

// initialMmapSize is the address space mapped for the archive at open, in
// bytes. bbolt grows its map by doubling and copies every page a writer
// still refers to out of the old map each time; mapping 1 GiB from the
// start (address space only, no memory) spares the growing archive those
// copies.
const initialMmapSize = 1 << 30

// LockTimeout is how long Open and OpenReadOnly wait for the file's lock.
const LockTimeout = 2 * time.Second

// Open opens or creates the archive file at path (mode 0600) for reading
// and writing, holding an exclusive lock on it until Close. It returns
// ErrLocked when another process holds the lock.
func Open(path string) (*Archive, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: LockTimeout,
		InitialMmapSize: initialMmapSize})
	if err != nil {
		return nil, openError(path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketRecords, bucketMeta, bucketRejections} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("failed to initialise archive: %w", err)
	}
	return &Archive{db: db}, nil
}

// OpenReadOnly opens the existing archive file at path for reading only:
// nothing is written to it, and it holds a shared lock until Close, so
// that no writer opens it meanwhile (a guard started in that time waits up
// to LockTimeout, then fails to start). Appends return an error. It
// returns ErrLocked when a writer holds the lock, and ErrCorrupt for an
// empty file or one without the archive's buckets.
func OpenReadOnly(path string) (*Archive, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("failed to open archive: %w", err)
	}
	if fi.Size() == 0 {
		return nil, fmt.Errorf("failed to open archive: %s: %w: empty file", path, ErrCorrupt)
	}
	db, err := bolt.Open(path, 0, &bolt.Options{Timeout: LockTimeout, ReadOnly: true})
	if err != nil {
		return nil, openError(path, err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketRecords, bucketMeta, bucketRejections} {
			if tx.Bucket(b) == nil {
				return fmt.Errorf("%w: no %q bucket", ErrCorrupt, b)
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("failed to open archive: %s: %w", path, err)
	}
	return &Archive{db: db}, nil
}

// openError describes a failure of bolt.Open on path: ErrLocked for a
// lock held by another process; the file is named once.
func openError(path string, err error) error {
	var pe *fs.PathError
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return fmt.Errorf("failed to open archive: %s: %w (waited %v)", path, ErrLocked, LockTimeout)
	case errors.As(err, &pe):
		return fmt.Errorf("failed to open archive: %w", err)
	}
	return fmt.Errorf("failed to open archive: %s: %w", path, err)
}

// Close closes the database.
func (a *Archive) Close() error { return a.db.Close() }

// Path returns the database file's path.
func (a *Archive) Path() string { return a.db.Path() }
