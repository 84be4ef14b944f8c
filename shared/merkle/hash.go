// Package merkle implements the RFC 6962 Merkle tree hash (restated as RFC
// 9162 §2.1) that both domains use: leaf and node hashes, a compact range
// that recomputes a tree's root from its leaf hashes in O(log n) memory, and
// verification of inclusion and consistency proofs.
//
// The package is pure: no I/O, no logging, no global state. Proof
// generation lives with the stores that hold the trees.
//
// Three edge cases are fixed here for every caller (see Verify*):
//
//   - The root of the empty tree is SHA-256 of the empty string, never all
//     zeros (EmptyRoot).
//   - A consistency proof from size 0 is empty, and the old root must be
//     EmptyRoot; from size n to the same size n it is empty, and the roots
//     must be equal; from a larger size to a smaller one it is an error.
//   - Every proof must have exactly the length the sizes imply.
package merkle

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// HashSize is the size of a Hash in bytes.
const HashSize = sha256.Size

// Hash is a SHA-256 Merkle tree hash. Its text form is 64 lower-case hex
// digits.
type Hash [HashSize]byte

// Domain-separation prefixes of RFC 6962 §2.1.
const (
	leafPrefix = 0x00
	nodePrefix = 0x01
)

// LeafHash returns the hash of a leaf holding data: SHA-256(0x00 || data)
// (RFC 6962 §2.1).
func LeafHash(data []byte) Hash {
	h := sha256.New()
	h.Write([]byte{leafPrefix})
	h.Write(data)
	var out Hash
	h.Sum(out[:0])
	return out
}

// NodeHash returns the hash of an interior node with children l and r:
// SHA-256(0x01 || l || r) (RFC 6962 §2.1).
func NodeHash(l, r Hash) Hash {
	var buf [1 + 2*HashSize]byte
	buf[0] = nodePrefix
	copy(buf[1:], l[:])
	copy(buf[1+HashSize:], r[:])
	return sha256.Sum256(buf[:])
}

// EmptyRoot returns the root of the tree with no leaves: SHA-256 of the
// empty string (RFC 6962 §2.1, MTH({}) = SHA-256()).
func EmptyRoot() Hash { return sha256.Sum256(nil) }

// String returns h as 64 lower-case hex digits.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// MarshalText returns h as 64 lower-case hex digits.
func (h Hash) MarshalText() ([]byte, error) {
	out := make([]byte, 2*HashSize)
	hex.Encode(out, h[:])
	return out, nil
}

// UnmarshalText parses 64 hex digits into h. Upper-case digits are
// rejected so that every hash has one text form. It returns an error naming
// the problem and leaves h unchanged on failure.
func (h *Hash) UnmarshalText(text []byte) error {
	if len(text) != 2*HashSize {
		return fmt.Errorf("malformed hash: %d characters, want %d", len(text), 2*HashSize)
	}
	for i, c := range text {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return fmt.Errorf("malformed hash: character %d is not a lower-case hex digit", i)
		}
	}
	var out Hash
	hex.Decode(out[:], text)
	*h = out
	return nil
}

// ParseHash parses the text form of a hash; see UnmarshalText.
func ParseHash(s string) (Hash, error) {
	var h Hash
	err := h.UnmarshalText([]byte(s))
	return h, err
}
