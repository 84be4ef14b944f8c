package merkle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// MaxCompactSize is the largest tree size, in leaves, that
// Compact.UnmarshalBinary accepts. It matches the int64 sizes of the stores.
const MaxCompactSize = math.MaxInt64

// Compact is a compact range [0, Size) of an RFC 6962 tree: the roots of the
// perfect subtrees along the tree's right border, one per set bit of Size,
// largest first. It is what a receiver keeps to recompute a tree's root
// from leaf hashes alone, in O(log n) memory.
//
// The zero value is the empty tree. A Compact is not safe for concurrent
// use.
type Compact struct {
	size   uint64
	hashes []Hash // hashes[0] covers the leftmost, largest perfect subtree
}

// Size returns the number of leaves appended so far.
func (c *Compact) Size() uint64 { return c.size }

// Append adds one leaf, given by its leaf hash, at index Size. It panics if
// the tree already holds 2^64-1 leaves, which no caller can reach from an
// unmarshalled state below MaxCompactSize in practice.
func (c *Compact) Append(leaf Hash) {
	if c.size == math.MaxUint64 {
		panic("merkle: compact range is full")
	}
	c.hashes = append(c.hashes, leaf)

	// Every trailing one bit of the old size is a perfect subtree of the
	// same height as the new right node: merge them pairwise (RFC 6962
	// §2.1, MTH of a power-of-two range).
	for s := c.size; s&1 == 1; s >>= 1 {
		n := len(c.hashes)
		c.hashes[n-2] = NodeHash(c.hashes[n-2], c.hashes[n-1])
		c.hashes = c.hashes[:n-1]
	}
	c.size++
}

// Root returns the Merkle tree hash of the Size leaves appended so far, or
// EmptyRoot for the empty tree (RFC 6962 §2.1).
func (c *Compact) Root() Hash {
	if c.size == 0 {
		return EmptyRoot()
	}
	r := c.hashes[len(c.hashes)-1]
	for i := len(c.hashes) - 2; i >= 0; i-- {
		r = NodeHash(c.hashes[i], r)
	}
	return r
}

// Clone returns an independent copy of c.
func (c *Compact) Clone() *Compact {
	return &Compact{size: c.size, hashes: append([]Hash(nil), c.hashes...)}
}

// MarshalBinary encodes c as the tree size (8 bytes, big-endian) followed by
// the border hashes, largest subtree first: 8 + 32×popcount(size) bytes.
func (c *Compact) MarshalBinary() ([]byte, error) {
	out := make([]byte, 8, 8+HashSize*len(c.hashes))
	binary.BigEndian.PutUint64(out, c.size)
	for _, h := range c.hashes {
		out = append(out, h[:]...)
	}
	return out, nil
}

// errMalformedCompact prefixes UnmarshalBinary's errors.
var errMalformedCompact = errors.New("malformed compact range")

// UnmarshalBinary decodes the form written by MarshalBinary. It rejects a
// size above MaxCompactSize and any length other than 8 + 32×popcount(size),
// and leaves c unchanged on error.
func (c *Compact) UnmarshalBinary(data []byte) error {
	if len(data) < 8 {
		return fmt.Errorf("%w: %d bytes, want at least 8", errMalformedCompact, len(data))
	}
	size := binary.BigEndian.Uint64(data)
	if size > MaxCompactSize {
		return fmt.Errorf("%w: size %d exceeds %d", errMalformedCompact, size, uint64(MaxCompactSize))
	}
	n := bits.OnesCount64(size)
	if want := 8 + HashSize*n; len(data) != want {
		return fmt.Errorf("%w: %d bytes for size %d, want %d", errMalformedCompact, len(data), size, want)
	}
	hashes := make([]Hash, n)
	for i := range hashes {
		copy(hashes[i][:], data[8+HashSize*i:])
	}
	c.size, c.hashes = size, hashes
	return nil
}
