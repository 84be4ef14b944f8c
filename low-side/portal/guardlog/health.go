package guardlog

import "time"

// recentMax is how many recent rejections and faults Health lists.
const recentMax = 10

// Range is an inclusive range of batch sequences.
type Range struct {
	First uint64 `json:"first"`
	Last  uint64 `json:"last"`
}

// Health summarises the link as the guard log shows it. A batch counts as
// delivered when the last stage decision logged for it is accept.
type Health struct {
	Lines      uint64    `json:"lines"`       // good lines read
	LastTime   time.Time `json:"last_time"`   // time of the newest line
	LastBatch  uint64    `json:"last_batch"`  // highest delivered batch sequence
	Gaps       []Range   `json:"gaps"`        // sequences below LastBatch not delivered
	Rejections uint64    `json:"rejections"`  // reject lines
	Holds      uint64    `json:"holds"`       // hold lines
	Events     uint64    `json:"events"`      // diode event lines
	Recent     []Line    `json:"recent"`      // newest reject and hold lines, newest first
	Faults     uint64    `json:"faults"`      // lines that failed to parse or broke the chain
	LastFaults []Fault   `json:"last_faults"` // newest faults, newest first
}

// tracker accumulates Health over every line read.
type tracker struct {
	h         Health
	delivered map[uint64]bool // by batch sequence: last decision was accept
	recent    []Line
	faults    []Fault
	gapCache  []Range // gaps as of the last snapshot; nil when stale
}

func newTracker() tracker { return tracker{delivered: map[uint64]bool{}} }

func (t *tracker) record(l *Line) {
	t.h.Lines++
	t.h.LastTime = l.Time
	switch l.Decision {
	case Reject:
		t.h.Rejections++
	case Hold:
		t.h.Holds++
	case Event:
		t.h.Events++
		return
	}
	if l.Decision != Accept {
		t.recent = keepLast(t.recent, *l)
	}
	if l.BatchSeq == 0 {
		return
	}
	t.delivered[l.BatchSeq] = l.Decision == Accept
	t.gapCache = nil
	if l.Decision == Accept && l.BatchSeq > t.h.LastBatch {
		t.h.LastBatch = l.BatchSeq
	}
}

func (t *tracker) fault(f Fault) {
	t.h.Faults++
	t.faults = keepLast(t.faults, f)
}

// keepLast appends v and drops the oldest beyond recentMax.
func keepLast[T any](s []T, v T) []T {
	s = append(s, v)
	if len(s) > recentMax {
		s = append(s[:0:0], s[len(s)-recentMax:]...)
	}
	return s
}

// snapshot returns a copy of the health, newest items first.
func (t *tracker) snapshot() Health {
	h := t.h
	h.Recent = reversed(t.recent)
	h.LastFaults = reversed(t.faults)
	if t.gapCache == nil {
		t.gapCache = t.gaps()
	}
	h.Gaps = append([]Range{}, t.gapCache...)
	return h
}

// gaps lists the sequences from 1 to LastBatch not delivered.
func (t *tracker) gaps() []Range {
	out := []Range{}
	for s := uint64(1); s <= t.h.LastBatch; s++ {
		if t.delivered[s] {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Last == s-1 {
			out[n-1].Last = s
		} else {
			out = append(out, Range{First: s, Last: s})
		}
	}
	return out
}

func reversed[T any](s []T) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}
