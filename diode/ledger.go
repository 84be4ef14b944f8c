package diode

import (
	"slices"
	"time"
)

// seqSet remembers delivered sequences for deduplication: all sequences
// below floor count as delivered, plus the set. When the set outgrows its
// bound the lowest half is folded into floor, so memory stays at most
// max entries; a batch older than the remembered window is then treated
// as already delivered.
type seqSet struct {
	floor uint64
	set   map[uint64]struct{}
	max   int
}

func newSeqSet(max int) *seqSet { return &seqSet{set: make(map[uint64]struct{}), max: max} }

func (s *seqSet) has(q uint64) bool {
	_, ok := s.set[q]
	return ok || q < s.floor
}

func (s *seqSet) add(q uint64) {
	s.set[q] = struct{}{}
	if len(s.set) <= s.max {
		return
	}
	keys := make([]uint64, 0, len(s.set))
	for k := range s.set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys[:len(keys)/2] {
		delete(s.set, k)
	}
	s.floor = keys[len(keys)/2-1] + 1
}

// gapBook tracks reported gaps until the carousel's last resend could have
// filled them. At most maxGaps ranges are kept; beyond that the oldest is
// finalised early.
type gapBook struct {
	ranges []gapRange
}

type gapRange struct {
	first, last uint64
	deadline    time.Time
}

const maxGaps = 4096

func newGapBook() *gapBook { return &gapBook{} }

// add books [first, last] until deadline.
func (g *gapBook) add(first, last uint64, deadline time.Time) {
	if len(g.ranges) >= maxGaps {
		g.ranges[0].deadline = time.Time{}
	}
	g.ranges = append(g.ranges, gapRange{first, last, deadline})
}

// fill reports whether q lies in a booked gap.
func (g *gapBook) fill(q uint64) bool {
	for _, r := range g.ranges {
		if q >= r.first && q <= r.last {
			return true
		}
	}
	return false
}

// finalise makes every booked gap due now.
func (g *gapBook) finalise() {
	for i := range g.ranges {
		g.ranges[i].deadline = time.Time{}
	}
}

// expire removes ranges past their deadline and calls lost for each one
// with the number of its sequences still not delivered.
func (g *gapBook) expire(now time.Time, delivered *seqSet, lost func(first, last, missing uint64)) {
	keep := g.ranges[:0]
	for _, r := range g.ranges {
		if now.Before(r.deadline) {
			keep = append(keep, r)
			continue
		}
		if n := missingIn(r, delivered); n > 0 {
			lost(r.first, r.last, n)
		}
	}
	clear(g.ranges[len(keep):])
	g.ranges = keep
}

// missingIn counts the undelivered sequences of r, assuming all missing
// beyond maxWalk.
func missingIn(r gapRange, delivered *seqSet) uint64 {
	if r.last-r.first >= maxWalk {
		return r.last - r.first + 1
	}
	var n uint64
	for q := r.first; ; q++ {
		if !delivered.has(q) {
			n++
		}
		if q == r.last {
			return n
		}
	}
}
