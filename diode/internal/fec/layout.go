// Package fec splits a batch into Reed-Solomon protected groups of shards,
// orders them for transmission so that a burst of loss spreads across groups,
// and reassembles a batch from whatever shards arrive.
package fec

import (
	"errors"
	"fmt"
	"math"
)

// Layout is the deterministic split of one batch into FEC groups. Sender
// and receiver compute it from the batch length and the session parameters,
// so no shard has to describe more than its own position.
//
// The batch is cut into N chunks of ShardSize bytes (the last one zero
// padded, and at least one chunk even for an empty batch). The chunks are
// dealt into G groups of nearly equal size: groups below Extra hold Base+1
// data shards, the others Base. Equal groups keep the loss tolerance of the
// last group as good as the others'.
type Layout struct {
	BatchLen  int
	ShardSize int
	N         int // data chunks
	G         int // groups
	Base      int
	Extra     int
	parity    []uint8
}

// ErrLayout is wrapped by errors for parameters that admit no layout.
var ErrLayout = errors.New("invalid FEC layout")

// NewLayout computes the layout of a batchLen-byte batch. parity[k-1] is the
// number of parity shards of a group with k data shards, so len(parity) is
// the largest number of data shards per group. It returns an error wrapping
// ErrLayout for a negative length, a shard size below 1 or an empty table.
func NewLayout(batchLen, shardSize int, parity []uint8) (Layout, error) {
	if batchLen < 0 || shardSize < 1 || len(parity) == 0 {
		return Layout{}, fmt.Errorf("%w: batch %d bytes, shard %d bytes, %d-entry parity table",
			ErrLayout, batchLen, shardSize, len(parity))
	}
	n := max(1, (batchLen+shardSize-1)/shardSize)
	g := (n + len(parity) - 1) / len(parity)
	return Layout{
		BatchLen: batchLen, ShardSize: shardSize, N: n, G: g,
		Base: n / g, Extra: n % g, parity: parity,
	}, nil
}

// Group returns the data shard count, parity shard count and first chunk
// index of group g, which must be in [0, G).
func (l Layout) Group(g int) (k, m, first int) {
	k = l.Base
	first = g*l.Base + min(g, l.Extra)
	if g < l.Extra {
		k++
	}
	return k, int(l.parity[k-1]), first
}

// Shards returns the total number of datagrams of one transmission of the
// batch: data plus parity shards over all groups.
func (l Layout) Shards() int {
	total := 0
	for g := range l.G {
		k, m, _ := l.Group(g)
		total += k + m
	}
	return total
}

// widest returns the largest k+m over all groups.
func (l Layout) widest() int {
	w := 0
	for _, g := range []int{0, l.G - 1} {
		k, m, _ := l.Group(g)
		w = max(w, k+m)
	}
	return w
}

// Interleave calls visit for every shard of the batch in transmission order:
// shard 0 of every group, then shard 1 of every group, and so on. A burst of
// B consecutive lost datagrams thus costs each group about B/G shards, and
// data shards go before parity so that a lost tail costs parity first.
func (l Layout) Interleave(visit func(group, index int) bool) {
	w := l.widest()
	for i := range w {
		for g := range l.G {
			k, m, _ := l.Group(g)
			if i < k+m && !visit(g, i) {
				return
			}
		}
	}
}

// ParityTable returns, for every group size k from 1 to maxData, the
// smallest parity count m such that a group of k+m shards, each lost
// independently with probability loss, is unrepairable (more than m lost)
// with probability at most target. Groups never exceed 256 shards; where no
// m meets target the table holds 256-k. It panics on arguments out of range,
// which the caller's configuration check rules out.
func ParityTable(maxData int, loss, target float64) []uint8 {
	if maxData < 1 || maxData > 255 || loss < 0 || loss >= 1 || target <= 0 {
		panic("fec: ParityTable arguments out of range")
	}
	t := make([]uint8, maxData)
	for k := 1; k <= maxData; k++ {
		m := 1
		for k+m < 256 && FailureProbability(k, m, loss) > target {
			m++
		}
		t[k-1] = uint8(m)
	}
	return t
}

// FailureProbability returns P(X > m) for X ~ Binomial(k+m, loss): the
// chance that a group of k data and m parity shards loses more shards than
// Reed-Solomon can rebuild.
func FailureProbability(k, m int, loss float64) float64 {
	n := k + m
	if loss == 0 {
		return 0
	}
	lp, lq := math.Log(loss), math.Log1p(-loss)
	sum := 0.0
	for x := m + 1; x <= n; x++ {
		sum += math.Exp(logChoose(n, x) + float64(x)*lp + float64(n-x)*lq)
	}
	return sum
}

func logChoose(n, x int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(x + 1))
	c, _ := math.Lgamma(float64(n - x + 1))
	return a - b - c
}
