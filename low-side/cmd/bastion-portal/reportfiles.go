package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"bastion/low-side/report"
)

// costFactor bounds the CPU the report files take: after a rewrite that
// took d, the next waits at least costFactor × d, so rewriting uses at
// most 1/costFactor of one core however large the day's report grows.
const costFactor = 50

// reportWriter keeps the report files on disk current. The pages and the
// API serve the live snapshot; only the files lag. A rewrite renders only
// the dates whose report changed since the last one (in practice today's
// and the all-dates report), and rewrites are at least every apart, or
// costFactor times the last rewrite's duration when that is longer. The
// newest snapshot is written on shutdown.
type reportWriter struct {
	dir    string
	every  time.Duration
	factor time.Duration // 0 means costFactor
	log    *slog.Logger

	writing sync.Mutex // one rewrite at a time; guards written
	written map[string]stamp

	mu      sync.Mutex
	next    time.Time // earliest time of the next rewrite
	pending *report.Snapshot
	timer   bool // a flush is scheduled
}

// stamp identifies the content of a daily report: a report with the same
// stamp renders to the same bytes.
type stamp struct {
	entries, refused, gaps int
	batchLast, ledgerLast  uint64
}

func stampOf(d *report.Daily) stamp {
	return stamp{entries: d.Entries, refused: len(d.Refused), gaps: len(d.Gaps),
		batchLast: d.Batches.Last, ledgerLast: d.Ledger.Last}
}

// offer writes s now if the interval has passed, or keeps it for the one
// scheduled flush.
func (w *reportWriter) offer(ctx context.Context, s *report.Snapshot) {
	w.mu.Lock()
	now := time.Now()
	due := !now.Before(w.next)
	schedule := false
	if !due {
		w.pending = s
		schedule, w.timer = !w.timer, true
	}
	wait := w.next.Sub(now)
	w.mu.Unlock()
	switch {
	case due:
		w.write(ctx, s)
	case schedule:
		time.AfterFunc(wait, func() { w.flush(ctx) })
	}
}

// flush writes the snapshot kept back, if any.
func (w *reportWriter) flush(ctx context.Context) {
	w.mu.Lock()
	s := w.pending
	w.pending, w.timer = nil, false
	w.mu.Unlock()
	if s != nil {
		w.write(ctx, s)
	}
}

// write renders the changed reports of s and sets the next due time.
func (w *reportWriter) write(ctx context.Context, s *report.Snapshot) {
	w.writing.Lock()
	defer w.writing.Unlock()
	start := time.Now()
	if w.written == nil {
		w.written = map[string]stamp{}
	}
	var changed []string
	for _, date := range append(append([]string(nil), s.Dates...), report.AllDates) {
		if d, ok := s.Reports[date]; ok && w.written[date] != stampOf(d) {
			changed = append(changed, date)
		}
	}
	if writeReports(ctx, w.log, w.dir, s, changed) {
		for _, date := range changed {
			w.written[date] = stampOf(s.Reports[date])
		}
	}
	took := time.Since(start)
	w.mu.Lock()
	factor := w.factor
	if factor == 0 {
		factor = costFactor
	}
	w.next = time.Now().Add(max(w.every, factor*took))
	w.mu.Unlock()
}
