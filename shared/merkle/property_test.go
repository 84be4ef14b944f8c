package merkle

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestProofProperties checks with random sizes that honest proofs verify
// and that any one-bit change to a proof, leaf or root is rejected.
func TestProofProperties(t *testing.T) {
	ref := newRefTree(t, 700)
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.Uint64Range(1, 700).Draw(t, "n")
		m := rapid.Uint64Range(1, n).Draw(t, "m")
		i := rapid.Uint64Range(0, n-1).Draw(t, "i")
		r1, r2 := ref.tdRoot(m), ref.tdRoot(n)

		incl := ref.inclusion(t, i, n)
		if err := VerifyInclusion(i, n, ref.leaves[i], incl, r2); err != nil {
			t.Fatalf("VerifyInclusion(%d, %d): %v", i, n, err)
		}
		cons := ref.consistency(t, m, n)
		if err := VerifyConsistency(m, n, r1, r2, cons); err != nil {
			t.Fatalf("VerifyConsistency(%d, %d): %v", m, n, err)
		}

		bit := rapid.IntRange(0, 8*HashSize-1).Draw(t, "bit")
		if len(incl) > 0 {
			k := rapid.IntRange(0, len(incl)-1).Draw(t, "k")
			if VerifyInclusion(i, n, ref.leaves[i], flip(incl, k, bit), r2) == nil {
				t.Fatalf("inclusion(%d, %d) accepted with hash %d bit %d flipped", i, n, k, bit)
			}
		}
		if len(cons) > 0 {
			k := rapid.IntRange(0, len(cons)-1).Draw(t, "kc")
			if VerifyConsistency(m, n, r1, r2, flip(cons, k, bit)) == nil {
				t.Fatalf("consistency(%d, %d) accepted with hash %d bit %d flipped", m, n, k, bit)
			}
		}
		if VerifyInclusion(i, n, ref.leaves[i], incl, flipOne(r2, bit)) == nil {
			t.Fatalf("inclusion(%d, %d) accepted a changed root", i, n)
		}
		if m < n && VerifyConsistency(m, n, flipOne(r1, bit), r2, cons) == nil {
			t.Fatalf("consistency(%d, %d) accepted a changed old root", m, n)
		}
	})
}

func flip(p []Hash, k, bit int) []Hash {
	out := append([]Hash(nil), p...)
	out[k] = flipOne(out[k], bit)
	return out
}

func flipOne(h Hash, bit int) Hash {
	h[bit/8] ^= 1 << (bit % 8)
	return h
}

// FuzzVerify feeds arbitrary sizes and proofs to both verifiers: they must
// not panic, and must accept only what an honest tree produces.
func FuzzVerify(f *testing.F) {
	ref := newRefTree(f, 40)
	f.Add(uint64(3), uint64(7), []byte{})
	f.Add(uint64(0), uint64(0), []byte{1})
	f.Add(uint64(1<<63), uint64(1<<64-1), make([]byte, 64*HashSize))
	f.Fuzz(func(t *testing.T, a, b uint64, raw []byte) {
		p := make([]Hash, len(raw)/HashSize)
		for k := range p {
			copy(p[k][:], raw[k*HashSize:])
		}
		root := LeafHash(raw)
		_ = VerifyInclusion(a, b, root, p, root)
		_ = VerifyConsistency(a, b, root, root, p)
		if b == 0 || b > 40 || a >= b {
			return
		}
		err := VerifyConsistency(a, b, ref.tdRoot(a), ref.tdRoot(b), p)
		honest := a == 0 && len(p) == 0
		if a > 0 {
			honest = slices.Equal(p, ref.consistency(t, a, b))
		}
		if (err == nil) != honest {
			t.Fatalf("VerifyConsistency(%d, %d, %x) = %v, honest proof: %v", a, b, raw, err, honest)
		}
	})
}
