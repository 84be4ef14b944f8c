package records

import (
	"errors"
	"testing"

	"go.etcd.io/bbolt"

	"bastion/high-side/ledger"
	"bastion/shared/entry"
	"bastion/shared/merkle"
)

// treeState is every root, inclusion proof and consistency proof of a
// ledger of n entries.
type treeState struct {
	roots       []merkle.Hash
	inclusion   map[[2]uint64][]merkle.Hash
	consistency map[[2]uint64][]merkle.Hash
}

func captureTree(t *testing.T, r *ledger.Reader, n uint64) treeState {
	t.Helper()
	s := treeState{inclusion: map[[2]uint64][]merkle.Hash{}, consistency: map[[2]uint64][]merkle.Hash{}}
	for size := uint64(0); size <= n; size++ {
		root, err := r.Root(size)
		if err != nil {
			t.Fatal(err)
		}
		s.roots = append(s.roots, root)
		for i := uint64(0); i < size; i++ {
			p, err := r.InclusionProof(i, size)
			if err != nil {
				t.Fatal(err)
			}
			s.inclusion[[2]uint64{i, size}] = p
		}
		for m := uint64(0); m <= size; m++ {
			p, err := r.ConsistencyProof(m, size)
			if err != nil {
				t.Fatal(err)
			}
			s.consistency[[2]uint64{m, size}] = p
		}
	}
	return s
}

func TestShredKeepsEveryProof(t *testing.T) {
	tl := newLedger(t)
	const n = 19
	for i := range n {
		if i%3 == 2 {
			e, ops := payment(t, id("p", i), epoch)
			tl.add(t, e, ops)
			continue
		}
		e, ops := order(t, id("o", i), entry.OrderNew, epoch)
		tl.add(t, e, ops)
	}
	var before treeState
	tl.view(t, func(r *ledger.Reader) { before = captureTree(t, r, n) })

	shredded := []uint64{0, 2, 5, 17, 18}
	if err := tl.db.Update(func(tx *bbolt.Tx) error { return Shred(tx, tl.l, shredded) }); err != nil {
		t.Fatal(err)
	}
	// Shredding twice is harmless.
	if err := tl.db.Update(func(tx *bbolt.Tx) error { return Shred(tx, tl.l, shredded) }); err != nil {
		t.Fatal(err)
	}

	tl.view(t, func(r *ledger.Reader) {
		after := captureTree(t, r, n)
		for size, root := range after.roots {
			if root != before.roots[size] {
				t.Fatalf("root of size %d: got %s, want %s", size, root, before.roots[size])
			}
		}
		checkProofs(t, r, before, after, n)
		checkShredded(t, r, shredded, n)
	})
}

// checkProofs compares every proof and verifies it from recomputed leaves.
func checkProofs(t *testing.T, r *ledger.Reader, before, after treeState, n uint64) {
	t.Helper()
	for k, p := range after.inclusion {
		if !equalHashes(p, before.inclusion[k]) {
			t.Fatalf("inclusion proof %v changed", k)
		}
		raw, err := r.Entry(k[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := merkle.VerifyInclusion(k[0], k[1], merkle.LeafHash(raw), p, after.roots[k[1]]); err != nil {
			t.Fatalf("inclusion %v after shredding: %v", k, err)
		}
	}
	for k, p := range after.consistency {
		if !equalHashes(p, before.consistency[k]) {
			t.Fatalf("consistency proof %v changed", k)
		}
		if err := merkle.VerifyConsistency(k[0], k[1], after.roots[k[0]], after.roots[k[1]], p); err != nil {
			t.Fatalf("consistency %v after shredding: %v", k, err)
		}
	}
	if len(after.inclusion) != int(n*(n+1)/2) {
		t.Fatalf("checked %d inclusion proofs, want %d", len(after.inclusion), n*(n+1)/2)
	}
}

// checkShredded checks that exactly the shredded entries lost their values.
func checkShredded(t *testing.T, r *ledger.Reader, shredded []uint64, n uint64) {
	t.Helper()
	gone := map[uint64]bool{}
	for _, i := range shredded {
		gone[i] = true
	}
	for i := uint64(0); i < n; i++ {
		_, err := Openings(r, i)
		if gone[i] != errors.Is(err, ErrShredded) {
			t.Fatalf("entry %d: got error %v, shredded %v", i, err, gone[i])
		}
	}
	var left []uint64
	r.OpeningIndexes(0, func(i uint64) bool { left = append(left, i); return true })
	if want := int(n) - len(shredded); len(left) != want {
		t.Fatalf("got %d entries with openings, want %d", len(left), want)
	}
}

func equalHashes(a, b []merkle.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestOpening(t *testing.T) {
	tl := newLedger(t)
	e, ops := payment(t, "p-1", epoch)
	i := tl.add(t, e, ops)
	tl.add(t, login(t, "l-1", epoch), nil)
	tests := []struct {
		name  string
		index uint64
		field string
		want  string
		err   error
	}{
		{"from", i, entry.FieldFrom, "C-FROM-p-1", nil},
		{"to", i, entry.FieldTo, "C-TO-p-1", nil},
		{"no such field", i, entry.FieldAccount, "", ErrNoField},
		{"entry without openings", 1, entry.FieldAccount, "", ErrShredded},
		{"beyond the ledger", 5, entry.FieldFrom, "", ledger.ErrBeyondSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl.view(t, func(r *ledger.Reader) {
				op, err := Opening(r, tt.index, tt.field)
				if !errors.Is(err, tt.err) || op.Value != tt.want {
					t.Fatalf("got %q, %v; want %q, %v", op.Value, err, tt.want, tt.err)
				}
			})
		})
	}
}
