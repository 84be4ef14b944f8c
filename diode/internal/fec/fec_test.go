package fec

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

var table = ParityTable(200, 0.05, 1e-9)

func TestParityTable(t *testing.T) {
	for _, tc := range []struct{ k, m int }{{1, 6}, {200, 36}} {
		if got := int(table[tc.k-1]); got != tc.m {
			t.Errorf("parity for k=%d: got %d, want %d", tc.k, got, tc.m)
		}
	}
	for k := 1; k <= 200; k++ {
		if p := FailureProbability(k, int(table[k-1]), 0.05); p > 1e-9 {
			t.Errorf("k=%d m=%d: failure %g at 5%% loss, want <= 1e-9", k, table[k-1], p)
		}
	}
}

func TestLayoutCoversBatch(t *testing.T) {
	for _, n := range []int{0, 1, 1411, 1412, 1413, 200 * 1412, 200*1412 + 1, 8 << 20} {
		l, err := NewLayout(n, 1412, table)
		if err != nil {
			t.Fatal(err)
		}
		next, seen := 0, 0
		for g := range l.G {
			k, m, first := l.Group(g)
			if first != next || k < 1 || k > 200 || k+m > 256 {
				t.Fatalf("len %d group %d: k=%d m=%d first=%d, want first %d", n, g, k, m, first, next)
			}
			next += k
		}
		l.Interleave(func(int, int) bool { seen++; return true })
		if next != l.N || seen != l.Shards() {
			t.Errorf("len %d: chunks %d of %d, visited %d of %d shards", n, next, l.N, seen, l.Shards())
		}
	}
}

// Any k shards of every group rebuild the batch, in any arrival order.
func FuzzAssembly(f *testing.F) {
	f.Add(uint32(5000), uint64(1), uint8(10))
	f.Add(uint32(0), uint64(2), uint8(0))
	f.Add(uint32(300_000), uint64(3), uint8(30))
	f.Fuzz(func(t *testing.T, size uint32, seed uint64, lossPct uint8) {
		size %= 1 << 20
		rng := rand.New(rand.NewPCG(seed, 7))
		batch := make([]byte, size)
		for i := range batch {
			batch[i] = byte(rng.Uint32())
		}
		c := NewCodec()
		l, _ := NewLayout(len(batch), 512, table[:64])
		enc, err := c.EncodeBatch(batch, l, &Scratch{})
		if err != nil {
			t.Fatal(err)
		}
		a := NewAssembly(l, c)
		type pos struct{ g, i int }
		var order []pos
		for g, group := range enc.Groups {
			_, m, _ := l.Group(g)
			drop := min(m, int(lossPct)%(m+1))
			for _, i := range rng.Perm(len(group))[drop:] {
				order = append(order, pos{g, i})
			}
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, p := range order {
			if _, err := a.Add(p.g, p.i, bytes.Clone(enc.Groups[p.g][p.i])); err != nil {
				t.Fatal(err)
			}
		}
		got, err := a.Batch()
		if err != nil || !bytes.Equal(got, batch) {
			t.Fatalf("rebuild: err %v, equal %v", err, bytes.Equal(got, batch))
		}
	})
}

func TestAssemblyRejects(t *testing.T) {
	l, _ := NewLayout(5000, 512, table)
	a := NewAssembly(l, NewCodec())
	held := a.Bytes()
	for _, tc := range []struct{ g, i, size int }{{1, 0, 512}, {0, 99, 512}, {0, 0, 511}, {-1, 0, 512}} {
		if kept, err := a.Add(tc.g, tc.i, make([]byte, tc.size)); err == nil || kept {
			t.Errorf("Add(%d, %d, %d bytes): kept %v err %v, want refusal", tc.g, tc.i, tc.size, kept, err)
		}
	}
	if a.Bytes() != held {
		t.Errorf("bytes %d after refusals, want %d as before", a.Bytes(), held)
	}
}

// Data shards written into their Slot are kept in place; others are
// copied there; parity rebuilds a lost one in place; Batch is the buffer.
func TestAssemblySlots(t *testing.T) {
	batch := make([]byte, 3000)
	for i := range batch {
		batch[i] = byte(i * 7)
	}
	c := NewCodec()
	l, _ := NewLayout(len(batch), 512, table[:8])
	enc, err := c.EncodeBatch(batch, l, &Scratch{})
	if err != nil {
		t.Fatal(err)
	}
	a := NewAssembly(l, c)
	k, m, _ := l.Group(0)
	for i := 1; i < k+m; i++ { // data shard 0 lost
		want := i < k && i%2 == 0
		shard := bytes.Clone(enc.Groups[0][i])
		if slot := a.Slot(0, i); slot != nil {
			if i >= k {
				t.Fatalf("Slot(0, %d) of a parity shard: got %d bytes, want nil", i, len(slot))
			}
			if want {
				copy(slot, shard)
				shard = slot
			}
		}
		kept, err := a.Add(0, i, shard)
		if err != nil {
			t.Fatal(err)
		}
		// Parity after the group is rebuilt (i > k) is not kept.
		if wantKept := i <= k && (want || i == k); kept != wantKept {
			t.Errorf("Add(0, %d): kept %v, want %v", i, kept, wantKept)
		}
		if !a.Has(0, i) || a.Slot(0, i) != nil {
			t.Errorf("after Add(0, %d): Has %v Slot %v, want held and no slot", i, a.Has(0, i), a.Slot(0, i) != nil)
		}
	}
	got, err := a.Batch()
	if err != nil || !bytes.Equal(got, batch) || a.Repaired != 1 {
		t.Fatalf("Batch: err %v, equal %v, repaired %d; want nil, true, 1", err, bytes.Equal(got, batch), a.Repaired)
	}
}

func BenchmarkEncode8MiB(b *testing.B) {
	batch := make([]byte, 8<<20)
	c := NewCodec()
	l, _ := NewLayout(len(batch), 1412, table)
	var s Scratch
	b.SetBytes(int64(len(batch)))
	for b.Loop() {
		if _, err := c.EncodeBatch(batch, l, &s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRebuild8MiB rebuilds a batch with 5 % of shards missing at random.
func BenchmarkRebuild8MiB(b *testing.B) {
	batch := make([]byte, 8<<20)
	c := NewCodec()
	l, _ := NewLayout(len(batch), 1412, table)
	enc, _ := c.EncodeBatch(batch, l, &Scratch{})
	b.SetBytes(int64(len(batch)))
	for b.Loop() {
		a := NewAssembly(l, c)
		rng := rand.New(rand.NewPCG(1, 2))
		l.Interleave(func(g, i int) bool {
			if rng.IntN(20) != 0 {
				a.Add(g, i, enc.Groups[g][i])
			}
			return true
		})
		if _, err := a.Batch(); err != nil {
			b.Fatal(err)
		}
	}
}
