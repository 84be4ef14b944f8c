package merkle

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// boundarySizes are the tree sizes of REPLAY L5, around tile and subtree
// boundaries, plus the smallest trees.
var boundarySizes = []uint64{0, 1, 2, 3, 255, 256, 257, 511, 512, 513, 65535, 65536, 65537}

func TestCompactRootAgainstReferences(t *testing.T) {
	ref := newRefTree(t, 65537)
	var c Compact
	check := func(n uint64) {
		t.Helper()
		want := ref.tdRoot(n)
		if got := c.Root(); got != want {
			t.Fatalf("size %d: Compact root = %s, want %s (transparency-dev)", n, got, want)
		}
		if n > 0 { // tlog returns all zeros for size 0 (REPLAY L3)
			if tl := ref.tlogRoot(t, n); tl != want {
				t.Fatalf("size %d: tlog root %s differs from transparency-dev %s", n, tl, want)
			}
		}
	}
	for n := uint64(0); n <= 65537; n++ {
		if n <= 2048 || isBoundary(n) {
			check(n)
		}
		if n < 65537 {
			c.Append(ref.leaves[n])
		}
	}
}

func isBoundary(n uint64) bool {
	for _, b := range boundarySizes {
		if b == n {
			return true
		}
	}
	return false
}

func TestCompactMarshalRoundTrip(t *testing.T) {
	ref := newRefTree(t, 600)
	for _, n := range []uint64{0, 1, 2, 3, 255, 256, 257, 511, 512, 513} {
		var c Compact
		for i := range n {
			c.Append(ref.leaves[i])
		}
		b, err := c.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back Compact
		if err := back.UnmarshalBinary(b); err != nil {
			t.Fatalf("size %d: UnmarshalBinary: %v", n, err)
		}
		if back.Size() != n || back.Root() != c.Root() {
			t.Fatalf("size %d: round trip gives size %d root %s, want %s", n, back.Size(), back.Root(), c.Root())
		}

		// The restored range continues exactly like the original.
		if n < 600 {
			back.Append(ref.leaves[n])
			if want := ref.tdRoot(n + 1); back.Root() != want {
				t.Fatalf("size %d+1 after restore: root %s, want %s", n, back.Root(), want)
			}
		}
	}
}

func TestCompactUnmarshalRejects(t *testing.T) {
	size := func(n uint64, hashes int) []byte {
		b := binary.BigEndian.AppendUint64(nil, n)
		return append(b, make([]byte, HashSize*hashes)...)
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"short size", []byte{0, 0, 0}},
		{"size 1 without hash", size(1, 0)},
		{"size 0 with hash", size(0, 1)},
		{"size 3 with one hash", size(3, 1)},
		{"trailing byte", append(size(1, 1), 0)},
		{"size over int64", size(1<<63, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Compact{size: 1, hashes: []Hash{{1}}}
			err := c.UnmarshalBinary(tt.in)
			if !errors.Is(err, errMalformedCompact) {
				t.Fatalf("UnmarshalBinary(%x) = %v, want malformed compact range", tt.in, err)
			}
			if c.size != 1 || len(c.hashes) != 1 {
				t.Fatalf("failed UnmarshalBinary changed the range to size %d", c.size)
			}
		})
	}
}

func TestCompactClone(t *testing.T) {
	var c Compact
	c.Append(LeafHash([]byte("a")))
	d := c.Clone()
	d.Append(LeafHash([]byte("b")))
	if c.Size() != 1 || d.Size() != 2 {
		t.Fatalf("sizes after clone and append = %d, %d; want 1, 2", c.Size(), d.Size())
	}
}

func FuzzCompactUnmarshal(f *testing.F) {
	var c Compact
	for i := range 7 {
		seed, _ := c.MarshalBinary()
		f.Add(seed)
		c.Append(LeafHash([]byte{byte(i)}))
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		var c Compact
		if err := c.UnmarshalBinary(in); err != nil {
			return
		}
		out, err := c.MarshalBinary()
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("re-encoding %x gives %x, %v", in, out, err)
		}
		c.Append(LeafHash(in))
		_ = c.Root()
	})
}
