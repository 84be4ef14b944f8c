package ledger

import (
	"encoding/binary"
	"fmt"

	"go.etcd.io/bbolt"

	"bastion/shared/merkle"
)

// The methods below each read through a read transaction of their own, safe
// while the state machine appends. Answers for a fixed size never change,
// so proofs built in separate calls for one pinned size fit together.

// Size returns the number of entries in the ledger.
func (l *Ledger) Size() (uint64, error) {
	return view(l, func(r *Reader) (uint64, error) { return r.Size() })
}

// Head returns the current size and its root, read together.
func (l *Ledger) Head() (uint64, merkle.Hash, error) {
	type head struct {
		size uint64
		root merkle.Hash
	}
	h, err := view(l, func(r *Reader) (head, error) {
		s, root, err := r.Head()
		return head{s, root}, err
	})
	return h.size, h.root, err
}

// Root returns the root of the first size entries; see Reader.Root.
func (l *Ledger) Root(size uint64) (merkle.Hash, error) {
	return view(l, func(r *Reader) (merkle.Hash, error) { return r.Root(size) })
}

// Entry returns the entry at index; see Reader.Entry.
func (l *Ledger) Entry(index uint64) ([]byte, error) {
	return view(l, func(r *Reader) ([]byte, error) { return r.Entry(index) })
}

// Openings returns the openings of the entry at index; see Reader.Openings.
func (l *Ledger) Openings(index uint64) ([]byte, error) {
	return view(l, func(r *Reader) ([]byte, error) { return r.Openings(index) })
}

// LeafHash returns the leaf hash of the entry at index; see Reader.LeafHash.
func (l *Ledger) LeafHash(index uint64) (merkle.Hash, error) {
	return view(l, func(r *Reader) (merkle.Hash, error) { return r.LeafHash(index) })
}

// Lookup returns the index of the entry with idempotency key id; see
// Reader.Lookup.
func (l *Ledger) Lookup(id string) (index uint64, ok bool, err error) {
	type found struct {
		index uint64
		ok    bool
	}
	f, err := view(l, func(r *Reader) (found, error) {
		i, ok, err := r.Lookup(id)
		return found{i, ok}, err
	})
	return f.index, f.ok, err
}

// InclusionProof returns the audit path of entry index in the tree of size
// entries; see Reader.InclusionProof.
func (l *Ledger) InclusionProof(index, size uint64) ([]merkle.Hash, error) {
	return view(l, func(r *Reader) ([]merkle.Hash, error) { return r.InclusionProof(index, size) })
}

// ConsistencyProof returns the proof from size m to size n; see
// Reader.ConsistencyProof.
func (l *Ledger) ConsistencyProof(m, n uint64) ([]merkle.Hash, error) {
	return view(l, func(r *Reader) ([]merkle.Hash, error) { return r.ConsistencyProof(m, n) })
}

// view runs f on a Reader over a new read transaction.
func view[T any](l *Ledger, f func(r *Reader) (T, error)) (T, error) {
	var out T
	err := l.db.View(func(tx *bbolt.Tx) error {
		r, err := l.Reader(tx)
		if err != nil {
			return err
		}
		out, err = f(r)
		return err
	})
	return out, err
}

// Range calls fn for each index in [first, end) with the entry and its
// leaf hash, all read in one read transaction. entry is valid only during
// the call; fn must copy what it keeps. It returns ErrBeyondSize if end
// exceeds the size, and the first error fn returns.
func (l *Ledger) Range(first, end uint64, fn func(index uint64, entry []byte, leaf merkle.Hash) error) error {
	_, err := view(l, func(r *Reader) (struct{}, error) {
		if err := r.checkSize(end); err != nil {
			return struct{}{}, err
		}
		c := r.bk.entries.Cursor()
		k, v := c.Seek(u64(first))
		for i := first; i < end; i++ {
			if i > first {
				k, v = c.Next()
			}
			if len(k) != 8 || binary.BigEndian.Uint64(k) != i || len(v) == 0 {
				return struct{}{}, fmt.Errorf("%w: entry %d missing", ErrCorrupt, i)
			}
			h, err := readHash(r.bk.hashes, storedLeafIndex(i))
			if err != nil {
				return struct{}{}, err
			}
			if err := fn(i, v, merkle.Hash(h)); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, nil
	})
	return err
}
