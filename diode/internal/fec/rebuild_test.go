package fec

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/reedsolomon"
)

// gfMul agrees with the library's field on every pair of elements.
func TestGFMatchesLibrary(t *testing.T) {
	var low reedsolomon.LowLevel
	in := make([]byte, 256)
	out := make([]byte, 256)
	for i := range in {
		in[i] = byte(i)
	}
	for a := range 256 {
		low.GalMulSlice(byte(a), in, out)
		for b := range 256 {
			if got := gfMul(byte(a), byte(b)); got != out[b] {
				t.Fatalf("gfMul(%d, %d) = %d, want %d", a, b, got, out[b])
			}
		}
		if a != 0 && gfMul(byte(a), gfInv(byte(a))) != 1 {
			t.Fatalf("gfInv(%d) = %d is no inverse", a, gfInv(byte(a)))
		}
	}
}

// Rebuild recreates the data of every loss pattern the code can repair,
// exactly as the library's general decoder does.
func TestRebuildMatchesLibrary(t *testing.T) {
	for _, tc := range []struct{ k, m, size int }{
		{1, 1, 64}, {1, 6, 100}, {3, 2, 17}, {64, 16, 1400}, {200, 36, 1412}, {200, 50, 512}, {255, 1, 33},
	} {
		t.Run(fmt.Sprintf("k%d_m%d", tc.k, tc.m), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tc.k), uint64(tc.m)))
			c := NewCodec()
			want := make([][]byte, tc.k+tc.m)
			for i := range want {
				want[i] = make([]byte, tc.size)
				if i < tc.k {
					for j := range want[i] {
						want[i][j] = byte(rng.Uint32())
					}
				}
			}
			if err := c.Encode(want, tc.k, tc.m); err != nil {
				t.Fatal(err)
			}
			for trial := range 20 {
				lose := trial % (tc.m + 1)
				got := make([][]byte, len(want))
				for i := range want {
					got[i] = bytes.Clone(want[i])
				}
				for _, i := range rng.Perm(len(got))[:lose] {
					got[i] = nil
				}
				if err := c.Rebuild(got, tc.k, tc.m); err != nil {
					t.Fatalf("losing %d: %v", lose, err)
				}
				for i := range tc.k {
					if !bytes.Equal(got[i], want[i]) {
						t.Fatalf("losing %d: data shard %d differs", lose, i)
					}
				}
			}
		})
	}
}

func TestRebuildRefuses(t *testing.T) {
	c := NewCodec()
	shards := make([][]byte, 5)
	for i := range shards {
		shards[i] = make([]byte, 8)
	}
	if err := c.Encode(shards, 3, 2); err != nil {
		t.Fatal(err)
	}
	tooFew := [][]byte{nil, nil, nil, shards[3], shards[4]}
	if err := c.Rebuild(tooFew, 3, 2); !errors.Is(err, ErrTooFewShards) {
		t.Errorf("three of three data shards missing with two parity: got %v, want ErrTooFewShards", err)
	}
	uneven := [][]byte{nil, shards[1], shards[2][:7], shards[3], shards[4]}
	if err := c.Rebuild(uneven, 3, 2); err == nil {
		t.Error("shards of unequal length: got no error")
	}
	if err := c.Rebuild(shards[:4], 3, 2); err == nil {
		t.Error("four shards for a (3,2) group: got no error")
	}
}

// BenchmarkRebuildGroup rebuilds one (200,50) group of 1,400-byte shards
// with 10 data shards missing, a new loss pattern every time.
func BenchmarkRebuildGroup(b *testing.B) {
	const k, m, size = 200, 50, 1400
	c := NewCodec()
	full := make([][]byte, k+m)
	for i := range full {
		full[i] = make([]byte, size)
	}
	if err := c.Encode(full, k, m); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	work := make([][]byte, k+m)
	b.SetBytes(k * size)
	for b.Loop() {
		copy(work, full)
		for _, i := range rng.Perm(k)[:10] {
			work[i] = nil
		}
		if err := c.Rebuild(work, k, m); err != nil {
			b.Fatal(err)
		}
	}
}
