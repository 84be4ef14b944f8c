package cluster

import (
	"math"
	"sort"
	"sync"
	"time"
)

// Sample is one acknowledged submission.
type Sample struct {
	// Start is when the submission was due (the schedule's time in an
	// open-loop run) or sent; Ack when its receipts arrived.
	Start, Ack time.Time
	// Items is the number of entries it carried; MaxIndex the highest
	// ledger index its receipts name.
	Items    int
	MaxIndex uint64
}

// Latency is the acknowledgement latency.
func (s Sample) Latency() time.Duration { return s.Ack.Sub(s.Start) }

// Recorder collects samples from concurrent callers.
type Recorder struct {
	mu      sync.Mutex
	samples []Sample
}

// Add records s.
func (r *Recorder) Add(s Sample) {
	r.mu.Lock()
	r.samples = append(r.samples, s)
	r.mu.Unlock()
}

// Between returns the samples acknowledged in [from, to).
func (r *Recorder) Between(from, to time.Time) []Sample {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Sample
	for _, s := range r.samples {
		if !s.Ack.Before(from) && s.Ack.Before(to) {
			out = append(out, s)
		}
	}
	return out
}

// Percentiles summarises durations in milliseconds.
type Percentiles struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p999_ms"`
	Max   float64 `json:"max_ms"`
	Mean  float64 `json:"mean_ms"`
}

// Summarise returns the percentiles of ds (nearest rank).
func Summarise(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	at := func(q float64) float64 {
		k := int(math.Ceil(q*float64(len(s)))) - 1
		return ms(s[max(0, min(k, len(s)-1))])
	}
	return Percentiles{Count: len(s), P50: at(0.50), P90: at(0.90), P99: at(0.99), P999: at(0.999),
		Max: ms(s[len(s)-1]), Mean: ms(sum / time.Duration(len(s)))}
}

// AckLatencies returns the acknowledgement latency of every sample.
func AckLatencies(ss []Sample) []time.Duration {
	out := make([]time.Duration, len(ss))
	for i, s := range ss {
		out[i] = s.Latency()
	}
	return out
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// StartedBetween returns the samples due (or sent) in [from, to).
func (r *Recorder) StartedBetween(from, to time.Time) []Sample {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Sample
	for _, s := range r.samples {
		if !s.Start.Before(from) && s.Start.Before(to) {
			out = append(out, s)
		}
	}
	return out
}
