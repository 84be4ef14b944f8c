package ledger

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"bastion/shared/merkle"
)

// Root returns the RFC 6962 root of the first size entries: SHA-256("") for
// size 0 (RFC 6962 §2.1), or ErrBeyondSize.
func (r *Reader) Root(size uint64) (merkle.Hash, error) {
	if err := r.checkSize(size); err != nil {
		return merkle.Hash{}, err
	}
	if size == 0 {
		return merkle.EmptyRoot(), nil // tlog.TreeHash(0) is all zeros
	}
	h, err := tlog.TreeHash(int64(size), bucketReader{r.bk.hashes})
	if err != nil {
		return merkle.Hash{}, fmt.Errorf("failed to compute root of size %d: %w", size, err)
	}
	return merkle.Hash(h), nil
}

// Head returns the current size and its root, read together.
func (r *Reader) Head() (size uint64, root merkle.Hash, err error) {
	if size, err = r.Size(); err != nil {
		return 0, merkle.Hash{}, err
	}
	root, err = r.Root(size)
	return size, root, err
}

// InclusionProof returns the RFC 6962 §2.1.1 audit path of the entry at
// index in the tree of the first size entries. It returns ErrInvalidRange
// unless index < size, and ErrBeyondSize if size exceeds the ledger.
func (r *Reader) InclusionProof(index, size uint64) ([]merkle.Hash, error) {
	if index >= size {
		return nil, fmt.Errorf("%w: index %d is not below tree size %d", ErrInvalidRange, index, size)
	}
	if err := r.checkSize(size); err != nil {
		return nil, err
	}
	p, err := tlog.ProveRecord(int64(size), int64(index), bucketReader{r.bk.hashes})
	if err != nil {
		return nil, fmt.Errorf("failed to prove entry %d in size %d: %w", index, size, err)
	}
	return fromTlog(p), nil
}

// ConsistencyProof returns the RFC 6962 §2.1.2 proof that the tree of size m
// is a prefix of the tree of size n. The proof from size 0, and from n to n,
// is empty. It returns ErrInvalidRange if m > n and ErrBeyondSize if n
// exceeds the ledger.
func (r *Reader) ConsistencyProof(m, n uint64) ([]merkle.Hash, error) {
	if m > n {
		return nil, fmt.Errorf("%w: consistency from size %d to smaller size %d", ErrInvalidRange, m, n)
	}
	if err := r.checkSize(n); err != nil {
		return nil, err
	}
	if m == 0 || m == n {
		return []merkle.Hash{}, nil
	}
	p, err := tlog.ProveTree(int64(n), int64(m), bucketReader{r.bk.hashes})
	if err != nil {
		return nil, fmt.Errorf("failed to prove consistency from %d to %d: %w", m, n, err)
	}
	return fromTlog(p), nil
}

func fromTlog(p []tlog.Hash) []merkle.Hash {
	out := make([]merkle.Hash, len(p))
	for i, h := range p {
		out[i] = merkle.Hash(h)
	}
	return out
}

// storedLeafIndex returns the tlog stored-hash index of leaf i.
func storedLeafIndex(i uint64) int64 { return tlog.StoredHashIndex(0, int64(i)) }
