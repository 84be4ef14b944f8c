package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"bastion/shared/entry"
	"bastion/test/bench/cluster"
)

// pacedDrain is how long after the schedule's end answers are still
// awaited; whatever is unanswered then counts as unacknowledged.
const pacedDrain = 15 * time.Second

// pacedWarmup is the start of the paced phase left out of its figures.
const pacedWarmup = 2 * time.Second

// pacedWindow is what the paced phase recorded.
type pacedWindow struct {
	rec      cluster.Recorder
	cnt      *counts
	from, to time.Time
	rate     float64
	lagMax   time.Duration
	sent     int
}

// pacedLoad submits reqs open loop: submission k is due at start plus the
// entries before it over rate, whatever the answers do. Its latency runs
// from when it was due, so a backlog anywhere (our dispatcher included)
// shows in it instead of slowing the offered load (no coordinated
// omission).
func pacedLoad(ctx context.Context, c *cluster.Cluster, gw string, reqs []request, rate float64,
	d time.Duration, workers int, logger *slog.Logger) *pacedWindow {
	w := &pacedWindow{cnt: &counts{outcomes: map[entry.Outcome]int{}}, rate: rate}
	logger.Info("paced load", slog.Float64("entries_per_s", rate), slog.Duration("window", d))
	type job struct {
		r   request
		due time.Time
	}
	queue := make(chan job, len(reqs))
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queue {
				if actx.Err() != nil {
					continue
				}
				a, err := c.Client.Submit(actx, gw, j.r.kind, j.r.body, false)
				if err != nil {
					if actx.Err() == nil {
						w.cnt.fail(err)
					}
					continue
				}
				w.rec.Add(cluster.Sample{Start: j.due, Ack: time.Now(), Items: a.Items - a.Errors, MaxIndex: a.MaxIndex})
				w.cnt.ack(a)
			}
		}()
	}

	start := time.Now()
	w.from, w.to = start.Add(pacedWarmup), start.Add(d)
	var items float64
	for _, r := range reqs {
		due := start.Add(time.Duration(items / rate * float64(time.Second)))
		if !due.Before(w.to) {
			break
		}
		if wait := time.Until(due); wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
			}
		} else {
			w.lagMax = max(w.lagMax, -wait)
		}
		if ctx.Err() != nil {
			break
		}
		queue <- job{r: r, due: due}
		items += float64(r.items)
		w.sent++
	}
	close(queue)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(pacedDrain):
		cancel()
		<-done
	case <-ctx.Done():
		<-done
	}
	return w
}

// pacedResults are the paced phase's figures.
type pacedResults struct {
	// OfferedEntriesPerS is the schedule's rate; EntriesPerS what was
	// acknowledged per second of the window.
	OfferedEntriesPerS float64             `json:"offered_entries_per_s"`
	EntriesPerS        float64             `json:"entries_per_s"`
	WindowSeconds      float64             `json:"window_seconds"`
	Submissions        int                 `json:"submissions"`
	Entries            int                 `json:"entries"`
	Unacknowledged     int                 `json:"unacknowledged_submissions"`
	Failed             int64               `json:"failed_submissions"`
	DispatchLagMaxMS   float64             `json:"dispatch_lag_max_ms"`
	Ack                cluster.Percentiles `json:"ack"`
	Signed             cluster.Percentiles `json:"signed_checkpoint"`
	Published          cluster.Percentiles `json:"published_checkpoint"`
	Uncovered          int                 `json:"uncovered_submissions"`
}

// summarise computes the paced figures: samples due inside the window.
func (w *pacedWindow) summarise(cps *cluster.Checkpoints) pacedResults {
	ss := w.rec.StartedBetween(w.from, w.to)
	win := w.to.Sub(w.from)
	r := pacedResults{OfferedEntriesPerS: w.rate, WindowSeconds: cluster.Round(win.Seconds(), 2),
		Submissions: len(ss), Failed: w.cnt.failed.Load(),
		Unacknowledged:   w.sent - len(w.rec.StartedBetween(time.Time{}, w.to)) - int(w.cnt.failed.Load()),
		DispatchLagMaxMS: cluster.Round(float64(w.lagMax)/1e6, 1)}
	for _, s := range ss {
		r.Entries += s.Items
	}
	r.EntriesPerS = cluster.Round(float64(r.Entries)/win.Seconds(), 0)
	r.Ack = cluster.Summarise(cluster.AckLatencies(ss))
	signed, u1 := cps.Signed.Delays(ss)
	published, u2 := cps.Published.Delays(ss)
	r.Signed, r.Published = cluster.Summarise(signed), cluster.Summarise(published)
	r.Uncovered = max(u1, u2)
	return r
}
