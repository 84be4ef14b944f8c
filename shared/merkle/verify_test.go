package merkle

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// sweepLimit is the largest tree size for which every (index, size) and
// every (size1, size2) pair is checked against both references.
func sweepLimit() uint64 {
	if testing.Short() {
		return 256
	}
	return 2048
}

// sweep runs check(n) for every n in [1, limit], split into parallel
// subtests over interleaved sizes so the work spreads evenly.
func sweep(t *testing.T, limit uint64, check func(t *testing.T, n uint64)) {
	const parts = 4
	for part := range uint64(parts) {
		t.Run(fmt.Sprintf("part%d", part), func(t *testing.T) {
			t.Parallel()
			for n := 1 + part; n <= limit; n += parts {
				check(t, n)
			}
		})
	}
}

func TestInclusionSweep(t *testing.T) {
	limit := sweepLimit()
	ref := newRefTree(t, int(limit))
	sweep(t, limit, func(t *testing.T, n uint64) {
		root := ref.tdRoot(n)
		for i := range n {
			p := ref.inclusion(t, i, n)
			if err := VerifyInclusion(i, n, ref.leaves[i], p, root); err != nil {
				t.Fatalf("VerifyInclusion(%d, %d): %v", i, n, err)
			}
			if n <= 256 {
				checkInclusionAgainstTD(t, ref, i, n, p, root)
			}
		}
	})
}

func checkInclusionAgainstTD(t *testing.T, ref *refTree, i, n uint64, p []Hash, root Hash) {
	t.Helper()
	tp, err := ref.td.InclusionProof(i, n)
	if err != nil {
		t.Fatalf("transparency-dev InclusionProof(%d, %d): %v", i, n, err)
	}
	if want := fromBytes(t, tp); !slices.Equal(p, want) {
		t.Fatalf("inclusion(%d, %d): tlog and transparency-dev differ (-td +tlog):\n%s", i, n, cmp.Diff(want, p))
	}
	err = proof.VerifyInclusion(rfc6962.DefaultHasher, i, n, ref.leaves[i][:], toBytes(p), root[:])
	if err != nil {
		t.Fatalf("transparency-dev rejects inclusion(%d, %d): %v", i, n, err)
	}
}

func TestConsistencySweep(t *testing.T) {
	limit := sweepLimit()
	ref := newRefTree(t, int(limit))
	roots := make([]Hash, limit+1)
	for n := range roots {
		roots[n] = ref.tdRoot(uint64(n))
	}
	sweep(t, limit, func(t *testing.T, n uint64) {
		for m := uint64(1); m < n; m++ {
			p := ref.consistency(t, m, n)
			if err := VerifyConsistency(m, n, roots[m], roots[n], p); err != nil {
				t.Fatalf("VerifyConsistency(%d, %d): %v", m, n, err)
			}
			if n <= 256 {
				checkConsistencyAgainstTD(t, ref, m, n, p, roots[m], roots[n])
			}
		}
	})
}

func checkConsistencyAgainstTD(t *testing.T, ref *refTree, m, n uint64, p []Hash, r1, r2 Hash) {
	t.Helper()
	tp, err := ref.td.ConsistencyProof(m, n)
	if err != nil {
		t.Fatalf("transparency-dev ConsistencyProof(%d, %d): %v", m, n, err)
	}
	if want := fromBytes(t, tp); !slices.Equal(p, want) {
		t.Fatalf("consistency(%d, %d): tlog and transparency-dev differ (-td +tlog):\n%s", m, n, cmp.Diff(want, p))
	}
	err = proof.VerifyConsistency(rfc6962.DefaultHasher, m, n, toBytes(p), r1[:], r2[:])
	if err != nil {
		t.Fatalf("transparency-dev rejects consistency(%d, %d): %v", m, n, err)
	}
}

// TestBoundaryProofs checks REPLAY L5: proofs at and around subtree
// boundaries up to 65,537 leaves.
func TestBoundaryProofs(t *testing.T) {
	ref := newRefTree(t, 65537)
	for _, n := range boundarySizes[1:] {
		root := ref.tdRoot(n)
		for _, i := range []uint64{0, n / 2, n - 1, min(255, n-1), min(256, n-1)} {
			if err := VerifyInclusion(i, n, ref.leaves[i], ref.inclusion(t, i, n), root); err != nil {
				t.Errorf("VerifyInclusion(%d, %d): %v", i, n, err)
			}
		}
		for _, m := range boundarySizes[1:] {
			if m >= n {
				continue
			}
			p := ref.consistency(t, m, n)
			if err := VerifyConsistency(m, n, ref.tdRoot(m), root, p); err != nil {
				t.Errorf("VerifyConsistency(%d, %d): %v", m, n, err)
			}
			checkConsistencyAgainstTD(t, ref, m, n, p, ref.tdRoot(m), root)
		}
	}
}

// TestConsistencyEdgeCases pins REPLAY L1 and L2: (0,n), (n,n) and (m>n).
func TestConsistencyEdgeCases(t *testing.T) {
	ref := newRefTree(t, 8)
	r := func(n uint64) Hash { return ref.tdRoot(n) }
	other := LeafHash([]byte("other"))
	tests := []struct {
		name         string
		size1, size2 uint64
		root1, root2 Hash
		proof        []Hash
		want         error
	}{
		{"0 to 0", 0, 0, EmptyRoot(), EmptyRoot(), nil, nil},
		{"0 to n", 0, 5, EmptyRoot(), r(5), nil, nil},
		{"0 to n, zero root", 0, 5, Hash{}, r(5), nil, ErrRootMismatch},
		{"0 to n, other root", 0, 5, other, r(5), nil, ErrRootMismatch},
		{"0 to n, non-empty proof", 0, 5, EmptyRoot(), r(5), []Hash{r(5)}, ErrMalformedProof},
		{"n to n", 5, 5, r(5), r(5), nil, nil},
		{"n to n, different roots", 5, 5, r(5), other, nil, ErrRootMismatch},
		{"n to n, non-empty proof", 5, 5, r(5), r(5), []Hash{r(5)}, ErrMalformedProof},
		{"m > n", 6, 5, r(6), r(5), nil, ErrMalformedProof},
		{"m < n, empty proof", 4, 5, r(4), r(5), nil, ErrMalformedProof},
		{"m < n, proof too long", 4, 5, r(4), r(5), append(ref.consistency(t, 4, 5), other), ErrMalformedProof},
		{"m < n, wrong old root", 3, 5, other, r(5), ref.consistency(t, 3, 5), ErrRootMismatch},
		{"m < n, wrong new root", 3, 5, r(3), other, ref.consistency(t, 3, 5), ErrRootMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyConsistency(tt.size1, tt.size2, tt.root1, tt.root2, tt.proof)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("VerifyConsistency = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestReferenceEmptyProofBug documents why this package does not delegate
// to transparency-dev/merkle v0.0.2: it accepts any old root from size 0.
func TestReferenceEmptyProofBug(t *testing.T) {
	other := LeafHash([]byte("other"))
	tdErr := proof.VerifyConsistency(rfc6962.DefaultHasher, 0, 5, nil, other[:], other[:])
	if err := VerifyConsistency(0, 5, other, other, nil); err == nil {
		t.Fatal("VerifyConsistency accepted a non-empty root at size 0")
	}
	t.Logf("transparency-dev v0.0.2 on the same input: %v", tdErr)
}

func TestInclusionRejects(t *testing.T) {
	ref := newRefTree(t, 9)
	root, leaf := ref.tdRoot(9), ref.leaves[4]
	good := ref.inclusion(t, 4, 9)
	tampered := append([]Hash(nil), good...)
	tampered[1][0] ^= 1
	tests := []struct {
		name        string
		index, size uint64
		leaf        Hash
		proof       []Hash
		want        error
	}{
		{"index = size", 9, 9, leaf, good, ErrMalformedProof},
		{"empty tree", 0, 0, leaf, nil, ErrMalformedProof},
		{"proof too short", 4, 9, leaf, good[:len(good)-1], ErrMalformedProof},
		{"proof too long", 4, 9, leaf, append(good, root), ErrMalformedProof},
		{"tampered proof", 4, 9, leaf, tampered, ErrRootMismatch},
		{"wrong leaf", 4, 9, ref.leaves[5], good, ErrRootMismatch},
		{"wrong index", 5, 9, leaf, good, ErrRootMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyInclusion(tt.index, tt.size, tt.leaf, tt.proof, root)
			if !errors.Is(err, tt.want) {
				t.Fatalf("VerifyInclusion = %v, want %v", err, tt.want)
			}
		})
	}
}

func ExampleVerifyConsistency() {
	var c Compact
	c.Append(LeafHash([]byte("a")))
	err := VerifyConsistency(0, 1, EmptyRoot(), c.Root(), nil)
	fmt.Println(err)
	// Output: <nil>
}
