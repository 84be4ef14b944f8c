package cluster

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"bastion/guard/export"
)

// Observation is a checkpoint size first seen at a time.
type Observation struct {
	At   time.Time
	Size uint64
}

// Timeline is the growth of one checkpoint source, as polled.
type Timeline struct {
	mu  sync.Mutex
	obs []Observation
}

func (t *Timeline) observe(at time.Time, size uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n := len(t.obs); n > 0 && t.obs[n-1].Size >= size {
		return
	}
	t.obs = append(t.obs, Observation{At: at, Size: size})
}

// Size returns the largest size seen.
func (t *Timeline) Size() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.obs) == 0 {
		return 0
	}
	return t.obs[len(t.obs)-1].Size
}

// Covered returns when a checkpoint covering ledger index i was first
// seen, and false if none was.
func (t *Timeline) Covered(i uint64) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := sort.Search(len(t.obs), func(k int) bool { return t.obs[k].Size > i })
	if k == len(t.obs) {
		return time.Time{}, false
	}
	return t.obs[k].At, true
}

// Delays returns, for every sample, the time from its acknowledgement
// until a checkpoint covering its highest index was seen (0 when one was
// seen before the acknowledgement), and how many samples no checkpoint
// covered.
func (t *Timeline) Delays(ss []Sample) (ds []time.Duration, uncovered int) {
	for _, s := range ss {
		at, ok := t.Covered(s.MaxIndex)
		if !ok {
			uncovered++
			continue
		}
		ds = append(ds, max(0, at.Sub(s.Ack)))
	}
	return ds, uncovered
}

// Checkpoints polls the two checkpoint signals every Interval: the
// leader's committed export cursor (the size of the newest checkpoint the
// high side signed) and the guard's chain-head file (the size of the
// newest checkpoint the guard accepted and published).
type Checkpoints struct {
	Signed, Published Timeline
	Interval          time.Duration
}

// Run polls until ctx ends. gateway returns the leader's gateway URL.
func (c *Checkpoints) Run(ctx context.Context, cl *Cluster, gateway string) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		c.poll(ctx, func() (uint64, error) { return cl.Client.ExportSize(ctx, gateway) }, &c.Signed)
	}()
	go func() {
		defer wg.Done()
		path := filepath.Join(cl.Layout.ExportDir(), export.ChainHeadFile)
		c.poll(ctx, func() (uint64, error) { return chainHeadSize(path) }, &c.Published)
	}()
	wg.Wait()
}

func (c *Checkpoints) poll(ctx context.Context, read func() (uint64, error), t *Timeline) {
	tick := time.NewTicker(c.Interval)
	defer tick.Stop()
	for {
		if size, err := read(); err == nil {
			t.observe(time.Now(), size)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func chainHeadSize(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	h, err := export.ParseChainHead(b)
	return h.Size, err
}

// Cadence describes how often a checkpoint source advanced.
type Cadence struct {
	Advances   int     `json:"advances"`
	MeanGapMS  float64 `json:"mean_gap_ms"`
	MaxGapMS   float64 `json:"max_gap_ms"`
	MeanGrowth float64 `json:"mean_entries_per_advance"`
}

// Cadence returns how the timeline advanced between from and to.
func (t *Timeline) Cadence(from, to time.Time) Cadence {
	t.mu.Lock()
	defer t.mu.Unlock()
	var c Cadence
	var prev *Observation
	var gaps time.Duration
	var grown uint64
	for i := range t.obs {
		o := &t.obs[i]
		if o.At.Before(from) || o.At.After(to) {
			continue
		}
		if prev != nil {
			g := o.At.Sub(prev.At)
			gaps += g
			c.MaxGapMS = max(c.MaxGapMS, ms(g))
			grown += o.Size - prev.Size
			c.Advances++
		}
		prev = o
	}
	if c.Advances > 0 {
		c.MeanGapMS = ms(gaps / time.Duration(c.Advances))
		c.MeanGrowth = round(float64(grown)/float64(c.Advances), 1)
	}
	return c
}
