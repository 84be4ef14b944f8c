package ledger

import (
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
