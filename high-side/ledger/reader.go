package ledger

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"go.etcd.io/bbolt"

	"bastion/shared/merkle"
)

// Reader answers queries from one bbolt transaction, read or write, so that
// all its answers describe the same state. Inside the state machine's write
// transaction it sees the entries appended so far in that transaction. A
// Reader is valid only while its transaction is open.
type Reader struct {
	bk *buckets
}

// Reader returns a Reader over tx, a transaction of the ledger's database.
// It returns ErrCorrupt if the ledger's buckets are missing.
func (l *Ledger) Reader(tx *bbolt.Tx) (*Reader, error) {
	bk, err := bucketsOf(tx)
	if err != nil {
		return nil, err
	}
	return &Reader{bk: bk}, nil
}

// Size returns the number of entries in the ledger.
func (r *Reader) Size() (uint64, error) { return r.bk.size() }

// Entry returns a copy of the entry at index, or ErrBeyondSize.
func (r *Reader) Entry(index uint64) ([]byte, error) {
	if err := r.checkIndex(index); err != nil {
		return nil, err
	}
	v := r.bk.entries.Get(u64(index))
	if len(v) == 0 {
		return nil, fmt.Errorf("%w: entry %d missing", ErrCorrupt, index)
	}
	return bytes.Clone(v), nil
}

// Openings returns a copy of the openings stored with the entry at index,
// nil if it has none, or ErrBeyondSize.
func (r *Reader) Openings(index uint64) ([]byte, error) {
	if err := r.checkIndex(index); err != nil {
		return nil, err
	}
	return bytes.Clone(r.bk.openings.Get(u64(index))), nil
}

// LeafHash returns the RFC 6962 leaf hash of the entry at index, or
// ErrBeyondSize.
func (r *Reader) LeafHash(index uint64) (merkle.Hash, error) {
	if err := r.checkIndex(index); err != nil {
		return merkle.Hash{}, err
	}
	h, err := readHash(r.bk.hashes, storedLeafIndex(index))
	return merkle.Hash(h), err
}

// Lookup returns the index of the entry appended with idempotency key id,
// and false if there is none.
func (r *Reader) Lookup(id string) (index uint64, ok bool, err error) {
	return lookup(r.bk.ids, id)
}

// checkIndex returns ErrBeyondSize unless index < Size.
func (r *Reader) checkIndex(index uint64) error {
	size, err := r.bk.size()
	if err != nil {
		return err
	}
	if index >= size {
		return fmt.Errorf("%w: index %d, ledger size %d", ErrBeyondSize, index, size)
	}
	return nil
}

// checkSize returns ErrBeyondSize unless size <= Size.
func (r *Reader) checkSize(size uint64) error {
	cur, err := r.bk.size()
	if err != nil {
		return err
	}
	if size > cur {
		return fmt.Errorf("%w: tree size %d, ledger size %d", ErrBeyondSize, size, cur)
	}
	return nil
}

// lookup reads the index stored for id.
func lookup(ids *bbolt.Bucket, id string) (uint64, bool, error) {
	v := ids.Get([]byte(id))
	switch len(v) {
	case 0:
		return 0, false, nil
	case 8:
		return binary.BigEndian.Uint64(v), true, nil
	}
	return 0, false, fmt.Errorf("%w: index of id %q has %d bytes", ErrCorrupt, id, len(v))
}
