package merkle

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"
	"golang.org/x/mod/sumdb/tlog"
)

// refTree is a tree built twice, by x/mod's tlog and by transparency-dev's
// reference tree, so that this package is checked against both.
type refTree struct {
	leaves []Hash
	stored []tlog.Hash    // tlog stored hashes, by StoredHashIndex
	td     *testonly.Tree // transparency-dev reference tree
}

// leafData returns the deterministic data of leaf i.
func leafData(i int) []byte {
	return binary.BigEndian.AppendUint64([]byte("leaf-"), uint64(i))
}

func newRefTree(tb testing.TB, n int) *refTree {
	tb.Helper()
	r := &refTree{td: testonly.New(rfc6962.DefaultHasher)}
	for i := range n {
		r.appendLeaf(tb, leafData(i))
	}
	return r
}

func (r *refTree) appendLeaf(tb testing.TB, data []byte) {
	tb.Helper()
	hs, err := tlog.StoredHashes(int64(len(r.leaves)), data, r)
	if err != nil {
		tb.Fatalf("tlog.StoredHashes: %v", err)
	}
	r.stored = append(r.stored, hs...)
	r.leaves = append(r.leaves, LeafHash(data))
	r.td.AppendData(data)
}

// ReadHashes implements tlog.HashReader.
func (r *refTree) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x >= int64(len(r.stored)) {
			return nil, fmt.Errorf("stored hash %d not written", x)
		}
		out[i] = r.stored[x]
	}
	return out, nil
}

// fataler is the part of testing.TB that rapid.T also implements.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// tlogRoot returns tlog's root of the first n leaves.
func (r *refTree) tlogRoot(tb testing.TB, n uint64) Hash {
	tb.Helper()
	h, err := tlog.TreeHash(int64(n), r)
	if err != nil {
		tb.Fatalf("tlog.TreeHash(%d): %v", n, err)
	}
	return Hash(h)
}

// tdRoot returns transparency-dev's root of the first n leaves.
func (r *refTree) tdRoot(n uint64) Hash { return Hash(r.td.HashAt(n)) }

// inclusion returns tlog's proof for leaf i in the tree of size n.
func (r *refTree) inclusion(tb fataler, i, n uint64) []Hash {
	tb.Helper()
	p, err := tlog.ProveRecord(int64(n), int64(i), r)
	if err != nil {
		tb.Fatalf("tlog.ProveRecord(%d, %d): %v", n, i, err)
	}
	return fromTlog(p)
}

// consistency returns tlog's proof from size m to size n, 0 < m <= n.
func (r *refTree) consistency(tb fataler, m, n uint64) []Hash {
	tb.Helper()
	p, err := tlog.ProveTree(int64(n), int64(m), r)
	if err != nil {
		tb.Fatalf("tlog.ProveTree(%d, %d): %v", n, m, err)
	}
	return fromTlog(p)
}

func fromTlog(p []tlog.Hash) []Hash {
	out := make([]Hash, len(p))
	for i, h := range p {
		out[i] = Hash(h)
	}
	return out
}

func toBytes(p []Hash) [][]byte {
	out := make([][]byte, len(p))
	for i := range p {
		out[i] = p[i][:]
	}
	return out
}

func fromBytes(tb testing.TB, p [][]byte) []Hash {
	tb.Helper()
	out := make([]Hash, len(p))
	for i, b := range p {
		if len(b) != HashSize {
			tb.Fatalf("reference proof hash %d has %d bytes", i, len(b))
		}
		out[i] = Hash(b)
	}
	return out
}
