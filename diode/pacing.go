package diode

import (
	"context"
	"sync"
	"time"
)

// bucket is a token bucket in bytes. Callers reserve tokens first and sleep
// off any debt, so the average rate holds while the sleeps, which the timer
// rounds up, stay few: a caller that overslept finds tokens waiting.
// It never spins. A nil *bucket does not pace.
type bucket struct {
	mu     sync.Mutex
	rate   float64 // bytes per second
	burst  float64 // bytes
	tokens float64
	last   time.Time
}

func newBucket(rate int64, burst int) *bucket {
	if rate == RateUnlimited {
		return nil
	}
	return &bucket{rate: float64(rate), burst: float64(burst), tokens: float64(burst), last: time.Now()}
}

// reserve takes n tokens, going into debt if needed, and returns how long
// the caller must wait for the debt to clear.
func (b *bucket) reserve(n int) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	b.tokens -= float64(n)
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

// wait reserves n tokens and sleeps off the debt. It returns the time slept
// and ctx's error if ctx ends first.
func (b *bucket) wait(ctx context.Context, n int) (time.Duration, error) {
	if b == nil {
		return 0, ctx.Err()
	}
	d := b.reserve(n)
	if d <= 0 {
		return 0, nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return d, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// charge takes n tokens without waiting: for heartbeats and announcements,
// which must never be late, but still count against the rate.
func (b *bucket) charge(n int) {
	if b != nil {
		b.reserve(n)
	}
}

// allow takes n tokens if the bucket holds them, without going into debt.
func (b *bucket) allow(n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < float64(n) {
		return false
	}
	b.tokens -= float64(n)
	return true
}
