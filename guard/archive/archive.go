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
	"time"

	bolt "go.etcd.io/bbolt"

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

// Open opens or creates the archive file at path (mode 0600).
func Open(path string) (*Archive, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second,
		InitialMmapSize: initialMmapSize})
	if err != nil {
		return nil, fmt.Errorf("failed to open archive: %w", err)
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

// Close closes the database.
func (a *Archive) Close() error { return a.db.Close() }

// Path returns the database file's path.
func (a *Archive) Path() string { return a.db.Path() }
