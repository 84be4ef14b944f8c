package main

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"bastion/high-side/replay"
	"bastion/shared/entry"
	"bastion/test/bench/cluster"
)

// request is one pre-encoded submission.
type request struct {
	kind  string // "orders" or "payments"
	body  []byte
	items int
}

// generate encodes about n generated entries as submissions of 1 to
// maxItems items, orders and payments alternating.
func generate(n, maxItems int, seed uint64) ([]request, error) {
	g := replay.NewGenerator(seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	var out []request
	for total := 0; total < n; {
		k := min(1+rng.IntN(maxItems), n-total)
		var body []byte
		var err error
		kind := "orders"
		if len(out)%2 == 0 {
			body, err = json.Marshal(g.Orders(k))
		} else {
			kind = "payments"
			body, err = json.Marshal(g.Payments(k))
		}
		if err != nil {
			return nil, err
		}
		out = append(out, request{kind: kind, body: body, items: k})
		total += k
	}
	return out, nil
}

// counts are what the load saw besides the samples.
type counts struct {
	failed    atomic.Int64 // submissions without receipts
	itemErr   atomic.Int64 // items whose receipt carried an error
	mu        sync.Mutex
	outcomes  map[entry.Outcome]int
	lastError string
}

func (c *counts) fail(err error) {
	c.failed.Add(1)
	c.mu.Lock()
	c.lastError = err.Error()
	c.mu.Unlock()
}

func (c *counts) ack(a cluster.Ack) {
	c.itemErr.Add(int64(a.Errors))
	c.mu.Lock()
	for k, v := range a.Outcomes {
		c.outcomes[k] += v
	}
	c.mu.Unlock()
}

// closedLoop runs clients that each send the next request once the last
// is acknowledged, until ctx ends or the requests are used up. It returns
// when every client has stopped.
// next counts the requests taken, so that a later phase can go on from
// there.
func closedLoop(ctx context.Context, c *cluster.Cluster, gateway string, reqs []request,
	clients int, rec *cluster.Recorder, cnt *counts, next *atomic.Int64) (exhausted time.Time) {
	var wg sync.WaitGroup
	var once sync.Once
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				k := next.Add(1) - 1
				if k >= int64(len(reqs)) {
					once.Do(func() { exhausted = time.Now() })
					return
				}
				send(ctx, c, gateway, reqs[k], rec, cnt)
			}
		}()
	}
	wg.Wait()
	return exhausted
}

func send(ctx context.Context, c *cluster.Cluster, gateway string, r request, rec *cluster.Recorder, cnt *counts) {
	start := time.Now()
	a, err := c.Client.Submit(ctx, gateway, r.kind, r.body, false)
	if err != nil {
		if ctx.Err() == nil {
			cnt.fail(err)
		}
		return
	}
	rec.Add(cluster.Sample{Start: start, Ack: time.Now(), Items: a.Items - a.Errors, MaxIndex: a.MaxIndex})
	cnt.ack(a)
}

// warm opens the clients' connections (one TLS handshake each) before
// anything is measured.
func warm(ctx context.Context, c *cluster.Cluster, gateway string, clients int) {
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = c.Client.ExportSize(ctx, gateway)
		}()
	}
	wg.Wait()
}
