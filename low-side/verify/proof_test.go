package verify_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"bastion/low-side/verify"
	"bastion/shared/checkpoint"
	"bastion/shared/merkle"
)

func leaves(n int) []merkle.Hash {
	out := make([]merkle.Hash, n)
	for i := range out {
		out[i] = merkle.LeafHash(fmt.Appendf(nil, "entry %d", i))
	}
	return out
}

// TestInclusionPath checks every leaf of trees of 1 to 33 leaves against
// the root the compact range computes, independently of TreeHash.
func TestInclusionPath(t *testing.T) {
	for n := 1; n <= 33; n++ {
		ls := leaves(n)
		var c merkle.Compact
		for _, l := range ls {
			c.Append(l)
		}
		if got := verify.TreeHash(ls); got != c.Root() {
			t.Fatalf("TreeHash of %d leaves = %s, want %s", n, got, c.Root())
		}
		for i := range ls {
			path, err := verify.InclusionPath(ls, uint64(i))
			if err != nil {
				t.Fatal(err)
			}
			if err := merkle.VerifyInclusion(uint64(i), uint64(n), ls[i], path, c.Root()); err != nil {
				t.Fatalf("leaf %d of %d: %v", i, n, err)
			}
		}
	}
	if _, err := verify.InclusionPath(leaves(3), 3); !errors.Is(err, verify.ErrProofIndex) {
		t.Errorf("InclusionPath(3 leaves, 3) = %v, want ErrProofIndex", err)
	}
}

// TestInclusionPathBlocks demands the same paths with precomputed block
// roots as without, for blocks of 1, 4 and 8 leaves.
func TestInclusionPathBlocks(t *testing.T) {
	for _, bs := range []int{1, 4, 8} {
		for n := 1; n <= 70; n++ {
			ls := leaves(n)
			var blocks []merkle.Hash
			for i := 0; (i+1)*bs <= n; i++ {
				blocks = append(blocks, verify.TreeHash(ls[i*bs:(i+1)*bs]))
			}
			for i := range ls {
				want, _ := verify.InclusionPath(ls, uint64(i))
				got, err := verify.InclusionPathBlocks(ls, blocks, bs, uint64(i))
				if err != nil || !slices.Equal(got, want) {
					t.Fatalf("blocks of %d, leaf %d of %d: path %v, %v; want %v", bs, i, n, got, err, want)
				}
			}
		}
	}
}

// proofOf returns a proof of leaf i of n, with entry bytes, and the
// checkpoint it verifies against.
func proofOf(i, n int) (*verify.Proof, checkpoint.Checkpoint) {
	ls := leaves(n)
	path, _ := verify.InclusionPath(ls, uint64(i))
	cp := checkpoint.Checkpoint{Origin: "bastion.test/x", Size: uint64(n), Root: verify.TreeHash(ls)}
	return &verify.Proof{Format: verify.ProofFormat, Index: uint64(i), TreeSize: uint64(n), LeafHash: ls[i],
		Entry: fmt.Appendf(nil, "entry %d", i), Path: path, Checkpoint: string(cp.Marshal())}, cp
}

func TestProofVerify(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(p *verify.Proof)
		ok     bool
	}{
		{"genuine", func(*verify.Proof) {}, true},
		{"withheld entry", func(p *verify.Proof) { p.Entry = nil }, true},
		{"other entry", func(p *verify.Proof) { p.Entry = []byte("entry 6") }, false},
		{"other leaf", func(p *verify.Proof) { p.LeafHash[0] ^= 1; p.Entry = nil }, false},
		{"other index", func(p *verify.Proof) { p.Index = 4 }, false},
		{"path flipped", func(p *verify.Proof) { p.Path[1][31] ^= 1 }, false},
		{"path short", func(p *verify.Proof) { p.Path = p.Path[1:] }, false},
		{"size", func(p *verify.Proof) { p.TreeSize = 12 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, cp := proofOf(5, 13)
			tt.tamper(p)
			again, err := verify.ParseProof(p.Marshal())
			if err != nil {
				t.Fatal(err)
			}
			err = again.VerifyAgainst(cp)
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, verify.ErrProofMismatch)) {
				t.Errorf("VerifyAgainst = %v, want ok %v (or ErrProofMismatch)", err, tt.ok)
			}
		})
	}
}

func TestParseProofErrors(t *testing.T) {
	p, _ := proofOf(1, 2)
	good := string(p.Marshal())
	for name, text := range map[string]string{
		"empty":    "",
		"format":   `{"format":"x","index":0,"tree_size":1}`,
		"unknown":  `{"format":"bastion-inclusion-proof-v1","index":0,"tree_size":1,"x":1}`,
		"index":    `{"format":"bastion-inclusion-proof-v1","index":1,"tree_size":1}`,
		"trailing": good + "{}",
		"bad hash": `{"format":"bastion-inclusion-proof-v1","index":0,"tree_size":1,"leaf_hash":"zz"}`,
	} {
		if _, err := verify.ParseProof([]byte(text)); !errors.Is(err, verify.ErrProofMalformed) {
			t.Errorf("%s: ParseProof = %v, want ErrProofMalformed", name, err)
		}
	}
}

func FuzzParseProof(f *testing.F) {
	p, _ := proofOf(2, 5)
	f.Add(p.Marshal())
	f.Add([]byte(`{"format":"bastion-inclusion-proof-v1","index":0,"tree_size":1,"audit_path":[]}`))
	f.Add([]byte(`{"format":"bastion-inclusion-proof-v1","index":0,"tree_size":1,"audit_path":null,` +
		`"leaf_hash":"` + strings.Repeat("ab", 32) + `","checkpoint":"c"}`))
	f.Add([]byte(`{"format":"bastion-inclusion-proof-v1","index":1,"tree_size":2,"leaf_hash":null,` +
		`"audit_path":[],"checkpoint":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := verify.ParseProof(b)
		if err != nil {
			return
		}
		again, err := verify.ParseProof(p.Marshal())
		if err != nil || again.Index != p.Index || len(again.Path) != len(p.Path) {
			t.Fatalf("re-encoded proof parses as %+v, %v", again, err)
		}
	})
}

// BenchmarkInclusionPath measures one audit path over a million leaves,
// from the leaves alone and with the roots of 1024-leaf blocks (what the
// portal computes per proof request).
func BenchmarkInclusionPath(b *testing.B) {
	const n, bs = 1<<20 + 777, 1024
	ls := make([]merkle.Hash, n)
	for i := range ls {
		ls[i][0], ls[i][1], ls[i][2] = byte(i), byte(i>>8), byte(i>>16)
	}
	var blocks []merkle.Hash
	for i := 0; (i+1)*bs <= n; i++ {
		blocks = append(blocks, verify.TreeHash(ls[i*bs:(i+1)*bs]))
	}
	b.Run("leaves", func(b *testing.B) {
		for b.Loop() {
			verify.InclusionPath(ls, 123457)
		}
	})
	b.Run("blocks", func(b *testing.B) {
		for b.Loop() {
			verify.InclusionPathBlocks(ls, blocks, bs, 123457)
		}
	})
}
