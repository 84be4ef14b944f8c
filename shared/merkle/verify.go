package merkle

import (
	"errors"
	"fmt"
)

// Errors returned by VerifyInclusion and VerifyConsistency.
var (
	// ErrMalformedProof is returned when the arguments are out of range or
	// the proof does not have the length the tree sizes imply.
	ErrMalformedProof = errors.New("malformed proof")
	// ErrRootMismatch is returned when a well-formed proof does not lead to
	// the given root or roots.
	ErrRootMismatch = errors.New("proof does not match root")
)

// VerifyInclusion checks that leaf is the leaf hash at index in the tree of
// size leaves whose root is root, using the audit path proof (RFC 9162
// §2.1.3.2). It returns ErrMalformedProof if index >= size or the proof has
// the wrong length, and ErrRootMismatch if the path leads to another root.
func VerifyInclusion(index, size uint64, leaf Hash, proof []Hash, root Hash) error {
	if index >= size {
		return fmt.Errorf("%w: leaf index %d is not below tree size %d", ErrMalformedProof, index, size)
	}
	fn, sn, r := index, size-1, leaf
	for i, p := range proof {
		if sn == 0 {
			return fmt.Errorf("%w: inclusion proof has %d hashes, want %d", ErrMalformedProof, len(proof), i)
		}
		if fn&1 == 1 || fn == sn {
			r = NodeHash(p, r)
			fn, sn = skipRightEdge(fn, sn)
		} else {
			r = NodeHash(r, p)
		}
		fn, sn = fn>>1, sn>>1
	}
	if sn != 0 {
		return fmt.Errorf("%w: inclusion proof for leaf %d of %d is too short (%d hashes)",
			ErrMalformedProof, index, size, len(proof))
	}
	if r != root {
		return fmt.Errorf("%w: leaf %d of tree size %d", ErrRootMismatch, index, size)
	}
	return nil
}

// VerifyConsistency checks that the tree of size1 leaves with root root1 is
// a prefix of the tree of size2 leaves with root root2 (RFC 9162 §2.1.4.2).
//
// The edge cases are strict: from size 0 the proof must be empty and root1
// must be EmptyRoot (root2 is not constrained); from size n to size n the
// proof must be empty and the roots equal; size1 > size2 is an error. It
// returns ErrMalformedProof for bad sizes or a proof of the wrong length,
// and ErrRootMismatch otherwise.
func VerifyConsistency(size1, size2 uint64, root1, root2 Hash, proof []Hash) error {
	switch {
	case size1 > size2:
		return fmt.Errorf("%w: consistency from size %d to smaller size %d", ErrMalformedProof, size1, size2)
	case size1 == 0 || size1 == size2:
		return verifyTrivialConsistency(size1, size2, root1, root2, proof)
	case len(proof) == 0:
		return fmt.Errorf("%w: empty consistency proof from size %d to %d", ErrMalformedProof, size1, size2)
	}

	// A power-of-two old tree is itself a node of the new tree, and the
	// proof omits it: start from root1.
	if size1&(size1-1) == 0 {
		proof = append([]Hash{root1}, proof...)
	}
	fn, sn := size1-1, size2-1
	for fn&1 == 1 {
		fn, sn = fn>>1, sn>>1
	}
	fr, sr := proof[0], proof[0]
	for i, c := range proof[1:] {
		if sn == 0 {
			return fmt.Errorf("%w: consistency proof too long at hash %d", ErrMalformedProof, i+1)
		}
		if fn&1 == 1 || fn == sn {
			fr, sr = NodeHash(c, fr), NodeHash(c, sr)
			fn, sn = skipRightEdge(fn, sn)
		} else {
			sr = NodeHash(sr, c)
		}
		fn, sn = fn>>1, sn>>1
	}
	if sn != 0 {
		return fmt.Errorf("%w: consistency proof from size %d to %d is too short", ErrMalformedProof, size1, size2)
	}
	if fr != root1 || sr != root2 {
		return fmt.Errorf("%w: consistency from size %d to %d", ErrRootMismatch, size1, size2)
	}
	return nil
}

// verifyTrivialConsistency handles size1 == 0 and size1 == size2, where the
// only valid proof is the empty one.
func verifyTrivialConsistency(size1, size2 uint64, root1, root2 Hash, proof []Hash) error {
	if len(proof) != 0 {
		return fmt.Errorf("%w: consistency proof from size %d to %d must be empty, got %d hashes",
			ErrMalformedProof, size1, size2, len(proof))
	}
	if size1 == 0 && root1 != EmptyRoot() {
		return fmt.Errorf("%w: root of size 0 is %s, want the empty root", ErrRootMismatch, root1)
	}
	if size1 == size2 && root1 != root2 {
		return fmt.Errorf("%w: two different roots for size %d", ErrRootMismatch, size1)
	}
	return nil
}

// skipRightEdge shifts fn and sn right past the levels where the node on
// the path is the last, unpaired node of its level (RFC 9162 §2.1.3.2 step
// "until LSB(fn) is set or fn is 0").
func skipRightEdge(fn, sn uint64) (uint64, uint64) {
	for fn&1 == 0 && fn != 0 {
		fn, sn = fn>>1, sn>>1
	}
	return fn, sn
}
