package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"bastion/low-side/report"
)

// reportWriter rewrites the report files at most once per interval. The
// pages and the API serve the live snapshot; only the files on disk lag,
// by at most every, and the newest snapshot is written on shutdown.
type reportWriter struct {
	dir   string
	every time.Duration
	log   *slog.Logger

	writing sync.Mutex // one rewrite at a time
	mu      sync.Mutex
	last    time.Time
	pending *report.Snapshot
}

// offer writes s now if the interval has passed, or keeps it for later.
func (w *reportWriter) offer(ctx context.Context, s *report.Snapshot) {
	w.mu.Lock()
	due := time.Since(w.last) >= w.every
	if !due {
		w.pending = s
	}
	w.mu.Unlock()
	if due {
		w.write(ctx, s)
		return
	}
	time.AfterFunc(w.every, func() { w.flush(ctx) })
}

// flush writes the snapshot kept back, if any.
func (w *reportWriter) flush(ctx context.Context) {
	w.mu.Lock()
	s := w.pending
	w.pending = nil
	w.mu.Unlock()
	if s != nil {
		w.write(ctx, s)
	}
}

func (w *reportWriter) write(ctx context.Context, s *report.Snapshot) {
	w.writing.Lock()
	defer w.writing.Unlock()
	w.mu.Lock()
	w.last = time.Now()
	w.mu.Unlock()
	writeReports(ctx, w.log, w.dir, s)
}
