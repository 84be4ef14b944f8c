package ledger

import (
	"errors"
	"testing"

	"bastion/shared/merkle"
)

// TestBoundaries is REPLAY L5: roots and proofs at sizes around subtree
// boundaries up to 65,537, checked against an independent compact range.
func TestBoundaries(t *testing.T) {
	sizes := []uint64{0, 1, 255, 256, 257, 511, 512, 513, 65535, 65536, 65537}
	if testing.Short() {
		sizes = sizes[:8]
	}
	l, _, _ := openTemp(t, false)
	roots := map[uint64]merkle.Hash{}
	var c merkle.Compact
	next := 0
	for _, n := range sizes {
		for ; uint64(next) < n; next += 1000 {
			recs := records(next, min(next+1000, int(n)))
			appendTx(t, l, recs)
			for _, r := range recs {
				c.Append(merkle.LeafHash(r.Entry))
			}
			next = next - 1000 + len(recs)
		}
		roots[n] = c.Root()
		if got, err := l.Root(n); err != nil || got != roots[n] {
			t.Fatalf("Root(%d) = %s, %v; want %s", n, got, err, roots[n])
		}
	}
	for _, n := range sizes[1:] {
		for _, i := range []uint64{0, n / 2, n - 1} {
			checkInclusion(t, l, i, n, roots[n])
		}
		for _, m := range sizes {
			if m <= n {
				checkConsistency(t, l, m, n, roots[m], roots[n])
			}
		}
	}
}

func checkInclusion(t *testing.T, l *Ledger, i, n uint64, root merkle.Hash) {
	t.Helper()
	p, err := l.InclusionProof(i, n)
	if err != nil {
		t.Fatalf("InclusionProof(%d, %d): %v", i, n, err)
	}
	leaf, err := l.LeafHash(i)
	if err != nil {
		t.Fatal(err)
	}
	if err := merkle.VerifyInclusion(i, n, leaf, p, root); err != nil {
		t.Fatalf("inclusion(%d, %d): %v", i, n, err)
	}
}

func checkConsistency(t *testing.T, l *Ledger, m, n uint64, r1, r2 merkle.Hash) {
	t.Helper()
	p, err := l.ConsistencyProof(m, n)
	if err != nil {
		t.Fatalf("ConsistencyProof(%d, %d): %v", m, n, err)
	}
	if err := merkle.VerifyConsistency(m, n, r1, r2, p); err != nil {
		t.Fatalf("consistency(%d, %d): %v", m, n, err)
	}
}

// TestProofEdgeCases is REPLAY L1-L3 for generation: (0,n), (n,n), (m>n),
// the empty root, and sizes beyond the ledger.
func TestProofEdgeCases(t *testing.T) {
	l, _, _ := openTemp(t, false)
	if r, err := l.Root(0); err != nil || r != merkle.EmptyRoot() {
		t.Fatalf("Root(0) of an empty ledger = %s, %v; want %s", r, err, merkle.EmptyRoot())
	}
	fill(t, l, 10, 10)
	tests := []struct {
		name    string
		m, n    uint64
		wantLen int
		wantErr error
	}{
		{"0 to n", 0, 7, 0, nil},
		{"0 to 0", 0, 0, 0, nil},
		{"n to n", 7, 7, 0, nil},
		{"m > n", 8, 7, 0, ErrInvalidRange},
		{"beyond size", 3, 11, 0, ErrBeyondSize},
		{"3 to 7", 3, 7, 4, nil}, // [c, d, g, l] in RFC 9162 §2.1.5
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := l.ConsistencyProof(tt.m, tt.n)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("ConsistencyProof(%d, %d) = %v, want %v", tt.m, tt.n, err, tt.wantErr)
			}
			if len(p) != tt.wantLen {
				t.Fatalf("proof has %d hashes, want %d", len(p), tt.wantLen)
			}
		})
	}
	for _, c := range []struct {
		i, n uint64
		want error
	}{{10, 10, ErrInvalidRange}, {3, 11, ErrBeyondSize}, {0, 0, ErrInvalidRange}} {
		if _, err := l.InclusionProof(c.i, c.n); !errors.Is(err, c.want) {
			t.Errorf("InclusionProof(%d, %d) = %v, want %v", c.i, c.n, err, c.want)
		}
	}
	if _, err := l.Root(11); !errors.Is(err, ErrBeyondSize) {
		t.Errorf("Root(11) = %v, want ErrBeyondSize", err)
	}
	if _, err := l.Entry(10); !errors.Is(err, ErrBeyondSize) {
		t.Errorf("Entry(10) = %v, want ErrBeyondSize", err)
	}
	if _, err := l.LeafHash(10); !errors.Is(err, ErrBeyondSize) {
		t.Errorf("LeafHash(10) = %v, want ErrBeyondSize", err)
	}
}
