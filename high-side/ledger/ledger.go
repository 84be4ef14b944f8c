// Package ledger is the high side's audit ledger: an RFC 6962 Merkle tree
// over every applied entry, stored in bbolt beside the rest of the Raft
// state machine.
//
// Appends run inside a write transaction the caller owns (one per Raft
// batch), so the ledger, the tree and the rest of the state move together
// and every node computes the same tree from the same log. Reads open their
// own read transactions, or use the caller's through Reader, and are safe
// while the state machine writes: bbolt gives each read transaction one
// consistent state, and everything below a size, once committed, never
// changes. A proof is always built for an explicit size, normally the size
// of one signed checkpoint, never for "the current size".
//
// Tree hashes are kept in the layout of golang.org/x/mod/sumdb/tlog (one
// stored hash per complete subtree, keyed by tlog.StoredHashIndex), and the
// proofs come from that package, wrapped so that size 0 and equal sizes
// behave as RFC 6962 says: the empty tree's root is SHA-256(""), and the
// consistency proof from size 0 or from n to n is empty.
//
// # Storage
//
// Buckets, all named with the prefix "ledger/":
//
//	ledger/meta      "size" -> uint64 number of entries
//	ledger/entries   uint64 index -> entry bytes, exactly as appended
//	ledger/openings  uint64 index -> openings (only for non-empty openings)
//	ledger/ids       idempotency key -> uint64 index
//	ledger/hashes    uint64 tlog stored-hash index -> 32-byte hash
//
// Integers are big-endian, so keys sort in append order.
package ledger

import (
	"encoding/binary"
	"errors"
	"fmt"

	"go.etcd.io/bbolt"
)

// Limits on one record, checked by Append before anything is written.
const (
	// MaxEntrySize is the largest entry, in bytes (entry.MaxSize).
	MaxEntrySize = 64 << 10
	// MaxOpeningsSize is the largest openings value, in bytes.
	MaxOpeningsSize = 64 << 10
	// MaxIDLen is the longest idempotency key, in bytes.
	MaxIDLen = 256
)

// Errors returned by the ledger.
var (
	// ErrInvalidRecord is returned by Append, naming the record and field,
	// when a record breaks the limits above. Nothing is written.
	ErrInvalidRecord = errors.New("invalid ledger record")
	// ErrBeyondSize is returned when an index or tree size lies beyond the
	// ledger's current size.
	ErrBeyondSize = errors.New("beyond ledger size")
	// ErrInvalidRange is returned for a proof request whose sizes are out
	// of order, such as a consistency proof from a larger to a smaller size.
	ErrInvalidRange = errors.New("invalid proof range")
	// ErrCorrupt is returned when a value the ledger wrote is missing or has
	// the wrong length.
	ErrCorrupt = errors.New("ledger store is corrupt")
)

// Bucket names.
var (
	bucketMeta     = []byte("ledger/meta")
	bucketEntries  = []byte("ledger/entries")
	bucketOpenings = []byte("ledger/openings")
	bucketIDs      = []byte("ledger/ids")
	bucketHashes   = []byte("ledger/hashes")
	keySize        = []byte("size")
)

// Record is one entry to append.
type Record struct {
	// Entry is the entry's encoded bytes: the ledger hashes and stores
	// them as they are. 1 to MaxEntrySize bytes.
	Entry []byte
	// Openings are high-side-only bytes stored beside the entry (the salts
	// and values behind its commitments). They never leave the high side
	// and are not hashed. At most MaxOpeningsSize bytes; may be empty.
	Openings []byte
	// ID is the idempotency key, 1 to MaxIDLen bytes: a record whose ID is
	// already in the ledger is not appended again.
	ID string
}

// Ledger is the Merkle ledger in one bbolt database. It is safe for
// concurrent use; appends are serialised by bbolt's single writer.
type Ledger struct {
	db *bbolt.DB
}

// Open returns the ledger stored in db, creating its buckets if needed.
func Open(db *bbolt.DB) (*Ledger, error) {
	err := db.Update(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketEntries, bucketOpenings, bucketIDs, bucketHashes} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("failed to create bucket %s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("failed to open ledger: %w", err)
	}
	return &Ledger{db: db}, nil
}

// u64 encodes n as an 8-byte big-endian key.
func u64(n uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), n) }

// buckets holds the ledger's buckets in one transaction.
type buckets struct {
	meta, entries, openings, ids, hashes *bbolt.Bucket
}

// bucketsOf returns the ledger's buckets in tx, or ErrCorrupt if one is
// missing (the database was not opened with Open).
func bucketsOf(tx *bbolt.Tx) (*buckets, error) {
	b := &buckets{
		meta: tx.Bucket(bucketMeta), entries: tx.Bucket(bucketEntries),
		openings: tx.Bucket(bucketOpenings), ids: tx.Bucket(bucketIDs), hashes: tx.Bucket(bucketHashes),
	}
	if b.meta == nil || b.entries == nil || b.openings == nil || b.ids == nil || b.hashes == nil {
		return nil, fmt.Errorf("%w: ledger buckets missing", ErrCorrupt)
	}
	return b, nil
}

// size reads the number of entries.
func (b *buckets) size() (uint64, error) {
	v := b.meta.Get(keySize)
	switch len(v) {
	case 0:
		return 0, nil
	case 8:
		return binary.BigEndian.Uint64(v), nil
	}
	return 0, fmt.Errorf("%w: size value has %d bytes", ErrCorrupt, len(v))
}
