package fec

import (
	"errors"
	"fmt"
)

// Assembly collects the shards of one batch until every group can be
// rebuilt. Data shards live in one buffer laid out as the batch itself, so
// a receiver can decrypt a data shard straight into its place (Slot) and
// the complete batch is that buffer, not a copy; Reed-Solomon rebuilds
// missing data shards there too. Parity shards are kept as handed over.
// The buffer is allocated by NewAssembly, which the caller must only call
// for a layout it has authenticated and bounded. Bytes reports the memory
// held. An Assembly is not safe for concurrent use.
type Assembly struct {
	layout Layout
	codec  *Codec
	buf    []byte   // data shards, N×ShardSize
	groups []group  // one per group
	shards [][]byte // backing of every group's shards
	done   int      // groups rebuilt
	bytes  int
	// Repaired counts groups that needed Reed-Solomon reconstruction.
	Repaired int
}

type group struct {
	shards [][]byte // data shards point into buf once present
	first  int      // first chunk
	have   int
	done   bool
}

// Shard bookkeeping errors.
var (
	// ErrPosition is returned for a shard outside the layout.
	ErrPosition = errors.New("shard position outside batch layout")
	// ErrShardSize is returned for a shard of the wrong length.
	ErrShardSize = errors.New("shard of wrong size")
)

// shardOverhead is the accounted cost of one shard's bookkeeping.
const shardOverhead = 24

// NewAssembly starts collecting a batch of layout l. It allocates
// l.N×l.ShardSize bytes for the data and a slice header per shard.
func NewAssembly(l Layout, c *Codec) *Assembly {
	total := l.Shards()
	a := &Assembly{layout: l, codec: c, buf: make([]byte, l.N*l.ShardSize),
		groups: make([]group, l.G), shards: make([][]byte, total)}
	used := 0
	for g := range l.G {
		k, m, first := l.Group(g)
		a.groups[g] = group{shards: a.shards[used : used+k+m : used+k+m], first: first}
		used += k + m
	}
	a.bytes = len(a.buf) + shardOverhead*total
	return a
}

// Layout returns the batch layout.
func (a *Assembly) Layout() Layout { return a.layout }

// Bytes returns the memory held, in bytes.
func (a *Assembly) Bytes() int { return a.bytes }

// Complete reports whether every group has been rebuilt.
func (a *Assembly) Complete() bool { return a.done == a.layout.G }

// place returns data shard i of group g's place in the buffer.
func (a *Assembly) place(gr *group, i int) []byte {
	ss := a.layout.ShardSize
	off := (gr.first + i) * ss
	return a.buf[off : off+ss : off+ss]
}

// Slot returns where data shard i of group g belongs in the batch, for a
// shard not yet held of a group not yet rebuilt, or nil (a parity shard, a
// position outside the layout, a shard already held). Writing there
// changes nothing the Assembly reports until Add is called with it.
func (a *Assembly) Slot(g, i int) []byte {
	if g < 0 || g >= a.layout.G {
		return nil
	}
	gr := &a.groups[g]
	k, _, _ := a.layout.Group(g)
	if i < 0 || i >= k || gr.done || gr.shards[i] != nil {
		return nil
	}
	return a.place(gr, i)
}

// Has reports whether shard i of group g is held or its group rebuilt.
func (a *Assembly) Has(g, i int) bool {
	if g < 0 || g >= a.layout.G {
		return false
	}
	gr := &a.groups[g]
	return gr.done || i >= 0 && i < len(gr.shards) && gr.shards[i] != nil
}

// Add stores shard index i of group g. A data shard is copied into its
// place unless shard is that place (from Slot); a parity shard is kept.
// kept reports whether the Assembly holds on to shard's memory (the caller
// must not reuse it); otherwise the caller may recycle it. A duplicate
// shard or one for a rebuilt group is not kept. It returns ErrPosition,
// ErrShardSize, or a rebuild error.
func (a *Assembly) Add(g, i int, shard []byte) (kept bool, err error) {
	if g < 0 || g >= a.layout.G {
		return false, fmt.Errorf("%w: group %d of %d", ErrPosition, g, a.layout.G)
	}
	k, m, _ := a.layout.Group(g)
	if i < 0 || i >= k+m {
		return false, fmt.Errorf("%w: shard %d of %d in group %d", ErrPosition, i, k+m, g)
	}
	if len(shard) != a.layout.ShardSize {
		return false, fmt.Errorf("%w: %d bytes, want %d", ErrShardSize, len(shard), a.layout.ShardSize)
	}
	gr := &a.groups[g]
	if gr.done || gr.shards[i] != nil {
		return false, nil
	}
	if i < k {
		p := a.place(gr, i)
		if &p[0] != &shard[0] {
			copy(p, shard)
		} else {
			kept = true
		}
		gr.shards[i] = p
	} else {
		gr.shards[i] = shard
		a.bytes += len(shard)
		kept = true
	}
	gr.have++
	if gr.have == k {
		return kept, a.rebuild(gr, k, m)
	}
	return kept, nil
}

// rebuild recreates the missing data shards of a group that has k shards
// in their places, then drops its parity. With every data shard present
// there is nothing to decode.
func (a *Assembly) rebuild(gr *group, k, m int) error {
	missing := 0
	for i, s := range gr.shards[:k] {
		if s == nil {
			missing++
			gr.shards[i] = a.place(gr, i)[:0]
		}
	}
	if missing > 0 {
		if err := a.codec.Rebuild(gr.shards, k, m); err != nil {
			for i, s := range gr.shards[:k] {
				if len(s) == 0 {
					gr.shards[i] = nil
				}
			}
			return err
		}
		a.Repaired++
	}
	for i := k; i < k+m; i++ {
		if gr.shards[i] != nil {
			a.bytes -= len(gr.shards[i])
			gr.shards[i] = nil
		}
	}
	gr.done = true
	a.done++
	return nil
}

// Batch returns the reassembled batch: the Assembly's buffer, which the
// caller then owns (the Assembly must not be used further but for
// Release). It returns an error if the batch is not complete.
func (a *Assembly) Batch() ([]byte, error) {
	if !a.Complete() {
		return nil, fmt.Errorf("batch incomplete: %d of %d groups", a.done, a.layout.G)
	}
	return a.buf[:a.layout.BatchLen:a.layout.BatchLen], nil
}

// Release hands every parity shard buffer the Assembly holds to free
// (which may be nil) and empties it. Data shards live in the batch buffer
// and are never handed out.
func (a *Assembly) Release(free func([]byte)) {
	for g := range a.groups {
		gr := &a.groups[g]
		k, _, _ := a.layout.Group(g)
		for _, s := range gr.shards[k:] {
			if s != nil && free != nil {
				free(s)
			}
		}
	}
	a.groups, a.shards, a.buf = nil, nil, nil
	a.bytes = 0
}
