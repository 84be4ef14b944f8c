package fec

import (
	"errors"
	"fmt"
)

// Assembly collects the shards of one batch until every group can be
// rebuilt. It allocates per group only when the group's first shard arrives,
// so its memory follows what has arrived, not what a header declared.
// Bytes reports that memory. An Assembly is not safe for concurrent use.
type Assembly struct {
	layout Layout
	codec  *Codec
	groups map[int]*group
	done   int // groups rebuilt
	bytes  int
	// Repaired counts groups that needed Reed-Solomon reconstruction.
	Repaired int
}

type group struct {
	shards [][]byte
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

// groupOverhead is the accounted cost of a group besides its shards.
const groupOverhead = 64

// NewAssembly starts collecting a batch of layout l.
func NewAssembly(l Layout, c *Codec) *Assembly {
	return &Assembly{layout: l, codec: c, groups: make(map[int]*group)}
}

// Layout returns the batch layout.
func (a *Assembly) Layout() Layout { return a.layout }

// Bytes returns the memory held, in bytes.
func (a *Assembly) Bytes() int { return a.bytes }

// Complete reports whether every group has been rebuilt.
func (a *Assembly) Complete() bool { return a.done == a.layout.G }

// Add stores shard index i of group g; the Assembly keeps shard (the caller
// must not reuse it) unless it reports that it did not (kept false), in which
// case the caller may recycle it. A duplicate shard or one for a rebuilt
// group is not kept. It returns ErrPosition, ErrShardSize, or a rebuild
// error.
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
	gr := a.groups[g]
	if gr == nil {
		gr = &group{shards: make([][]byte, k+m)}
		a.groups[g] = gr
		a.bytes += groupOverhead + 24*(k+m)
	}
	if gr.done || gr.shards[i] != nil {
		return false, nil
	}
	gr.shards[i] = shard
	gr.have++
	a.bytes += len(shard)
	if gr.have == k {
		return true, a.rebuild(gr, k, m)
	}
	return true, nil
}

// rebuild recreates the missing data shards of a group that has k shards,
// then drops its parity.
func (a *Assembly) rebuild(gr *group, k, m int) error {
	missing := 0
	for _, s := range gr.shards[:k] {
		if s == nil {
			missing++
		}
	}
	if missing > 0 {
		if err := a.codec.Rebuild(gr.shards, k, m); err != nil {
			return err
		}
		a.Repaired++
		a.bytes += missing * a.layout.ShardSize
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

// Batch returns the reassembled batch in a new slice. It returns an error
// if the batch is not complete.
func (a *Assembly) Batch() ([]byte, error) {
	if !a.Complete() {
		return nil, fmt.Errorf("batch incomplete: %d of %d groups", a.done, a.layout.G)
	}
	out := make([]byte, 0, a.layout.N*a.layout.ShardSize)
	for g := range a.layout.G {
		k, _, _ := a.layout.Group(g)
		for _, s := range a.groups[g].shards[:k] {
			out = append(out, s...)
		}
	}
	return out[:a.layout.BatchLen], nil
}

// Release hands every shard buffer the Assembly holds to free (which may
// be nil) and empties it.
func (a *Assembly) Release(free func([]byte)) {
	for _, gr := range a.groups {
		for _, s := range gr.shards {
			if s != nil && free != nil {
				free(s)
			}
		}
	}
	a.groups = nil
	a.bytes = 0
}
