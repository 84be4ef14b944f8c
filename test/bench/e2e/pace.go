package main

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"bastion/high-side/replay"
	"bastion/test/bench/cluster"
)

// drain is how long after the schedule's end answers are still awaited;
// what is unanswered by then counts as unacknowledged, which bounds the
// run's time when the appliance falls behind.
const drain = 15 * time.Second

// failures counts requests that got an error before the drain deadline.
type failures struct {
	n    atomic.Int64
	mu   sync.Mutex
	last string
}

func (f *failures) add(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	f.n.Add(1)
	f.mu.Lock()
	f.last = err.Error()
	f.mu.Unlock()
}

// job is one scheduled order.
type job struct {
	k    int
	due  time.Time
	body []byte
}

// orders encodes n generated orders, one JSON object each.
func orders(n int, seed uint64) ([][]byte, error) {
	out := make([][]byte, 0, n)
	for _, o := range replay.NewGenerator(seed).Orders(n) {
		b, err := json.Marshal(o)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// lagStats says how far behind its schedule the dispatcher fell.
type lagStats struct {
	MaxMS   float64 `json:"dispatch_lag_max_ms"`
	Backlog int     `json:"send_queue_max"`
}

// openLoop hands bodies to workers at start + k/rate and returns once all
// were answered or ctx ended. The queue between the schedule and the
// workers is unbounded in effect (as long as the run), so a slow system
// makes orders wait there and that wait counts in their latency.
//
// acked[k] is set once order k is acknowledged; the returned deadline is
// when the wait for answers ended.
func openLoop(ctx context.Context, c *cluster.Cluster, gateway string, bodies [][]byte, rate float64,
	workers int, start time.Time, rec *cluster.Recorder, f *failures, acked []bool) (lagStats, time.Time) {
	queue := make(chan job, len(bodies))
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queue {
				if ctx.Err() != nil {
					continue // past the drain deadline: left unacknowledged
				}
				a, err := c.Client.Submit(ctx, gateway, "orders", j.body, true)
				if err != nil {
					f.add(ctx, err)
					continue
				}
				rec.Add(cluster.Sample{Start: j.due, Ack: time.Now(), Items: 1, MaxIndex: a.MaxIndex})
				acked[j.k] = true
			}
		}()
	}
	// Answers may arrive until drain after the last order was due.
	end := start.Add(time.Duration(float64(len(bodies)) / rate * float64(time.Second)))
	ctx, cancel := context.WithDeadline(ctx, end.Add(drain))
	defer cancel()
	lag := dispatch(ctx, queue, bodies, rate, start)
	close(queue)
	wg.Wait()
	return lag, end.Add(drain)
}

// dispatch enqueues every body whose time has come, then sleeps until the
// next one is due.
func dispatch(ctx context.Context, queue chan<- job, bodies [][]byte, rate float64, start time.Time) lagStats {
	var l lagStats
	step := time.Duration(float64(time.Second) / rate)
	for k := 0; k < len(bodies) && ctx.Err() == nil; {
		now := time.Now()
		for ; k < len(bodies); k++ {
			due := start.Add(time.Duration(k) * step)
			if due.After(now) {
				break
			}
			l.MaxMS = max(l.MaxMS, float64(now.Sub(due))/1e6)
			queue <- job{k: k, due: due, body: bodies[k]}
		}
		l.Backlog = max(l.Backlog, len(queue))
		if k < len(bodies) {
			time.Sleep(time.Until(start.Add(time.Duration(k) * step)))
		}
	}
	l.MaxMS = cluster.Round(l.MaxMS, 3)
	return l
}
