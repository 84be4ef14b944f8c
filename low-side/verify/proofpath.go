package verify

import (
	"errors"
	"math/bits"

	"bastion/shared/merkle"
)

// ErrProofIndex is returned by InclusionPath for an index outside the
// tree.
var ErrProofIndex = errors.New("leaf index outside the tree")

// InclusionPath returns the RFC 6962 §2.1.1 audit path PATH(index, D[n])
// of leaf index in the tree over leaves, from the leaf's sibling up. It
// hashes every leaf once: O(n) time, O(log n) memory beyond leaves.
func InclusionPath(leaves []merkle.Hash, index uint64) ([]merkle.Hash, error) {
	return InclusionPathBlocks(leaves, nil, 0, index)
}

// InclusionPathBlocks is InclusionPath with the roots of the complete
// blocks of blockSize leaves (a power of two) precomputed: blocks[i] is
// MTH(leaves[i*blockSize : (i+1)*blockSize]). Every subtree made of whole
// blocks is hashed from blocks, so a path costs about n/blockSize +
// blockSize × log n hashes instead of n. With blockSize 0 no block is
// used.
func InclusionPathBlocks(leaves, blocks []merkle.Hash, blockSize int, index uint64) ([]merkle.Hash, error) {
	if index >= uint64(len(leaves)) {
		return nil, ErrProofIndex
	}
	t := tree{leaves: leaves, blocks: blocks, bs: uint64(blockSize)}
	var path []merkle.Hash
	lo, hi := uint64(0), uint64(len(leaves))
	for hi-lo > 1 {
		k := lo + splitPoint(hi-lo)
		if index < k {
			path = append(path, t.hash(k, hi))
			hi = k
		} else {
			path = append(path, t.hash(lo, k))
			lo = k
		}
	}
	// The loop collects hashes from the top down; the path runs bottom up.
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path, nil
}

// TreeHash returns MTH(D[n]), the RFC 6962 §2.1 root of leaves.
func TreeHash(leaves []merkle.Hash) merkle.Hash {
	if len(leaves) == 0 {
		return merkle.EmptyRoot()
	}
	return treeHash(leaves)
}

// treeHash is MTH over a non-empty list of leaf hashes.
func treeHash(leaves []merkle.Hash) merkle.Hash {
	if len(leaves) == 1 {
		return leaves[0]
	}
	k := splitPoint(uint64(len(leaves)))
	return merkle.NodeHash(treeHash(leaves[:k]), treeHash(leaves[k:]))
}

// splitPoint returns the largest power of two smaller than n (n > 1).
func splitPoint(n uint64) uint64 {
	return 1 << (bits.Len64(n-1) - 1)
}

// tree hashes ranges of leaves, using block roots where it can.
type tree struct {
	leaves, blocks []merkle.Hash
	bs             uint64
}

// hash returns MTH(leaves[lo:hi]), hi > lo.
func (t tree) hash(lo, hi uint64) merkle.Hash {
	if t.bs > 0 && lo%t.bs == 0 && hi%t.bs == 0 && hi/t.bs <= uint64(len(t.blocks)) {
		return treeHash(t.blocks[lo/t.bs : hi/t.bs])
	}
	if hi-lo == 1 {
		return t.leaves[lo]
	}
	k := lo + splitPoint(hi-lo)
	return merkle.NodeHash(t.hash(lo, k), t.hash(k, hi))
}
