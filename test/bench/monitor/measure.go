package main

import (
	"fmt"
	"runtime"
	"slices"
	"syscall"
	"time"

	"bastion/high-side/intake"
	"bastion/high-side/monitor"
	"bastion/high-side/replay"
	"bastion/shared/entry"
)

// bench is a warmed monitor with its pre-generated submissions.
type bench struct {
	pack     string
	m        *monitor.Monitor
	orders   []intake.Order
	payments []intake.Payment
	now      time.Time
}

var sink entry.Decision

// newBench warms a monitor on cfg by committing 20,000 orders and 20,000
// payments and generates n submissions to decide.
func newBench(cfg monitor.Config, n int) (*bench, error) {
	m, err := monitor.New(cfg, nil)
	if err != nil {
		return nil, fmt.Errorf("failed to start monitor: %w", err)
	}
	g := replay.NewGenerator(1)
	var last int64
	for _, o := range g.Orders(20_000) {
		at := time.Unix(0, o.Time)
		m.ObserveOrder(o, m.DecideOrder(o, at), at)
		last = max(last, o.Time)
	}
	for _, p := range g.Payments(20_000) {
		at := time.Unix(0, p.Time)
		m.ObservePayment(p, m.DecidePayment(p, at), at)
		last = max(last, p.Time)
	}
	fresh := replay.NewGenerator(2)
	return &bench{pack: cfg.Version, m: m, orders: fresh.Orders(n / 2), payments: fresh.Payments(n - n/2),
		now: time.Unix(0, last)}, nil
}

// decide makes decision i: orders and payments alternately.
func (b *bench) decide(i int) {
	if i%2 == 0 {
		sink = b.m.DecideOrder(b.orders[i/2%len(b.orders)], b.now)
	} else {
		sink = b.m.DecidePayment(b.payments[i/2%len(b.payments)], b.now)
	}
}

func (b *bench) count() int { return len(b.orders) + len(b.payments) }

type throughput struct {
	perS, cpuNs, allocs, bytes float64
}

// cpuTime returns the process's user and system CPU time. Per decision it
// shows the cost of deciding even when other processes share the machine
// and stretch wall-clock time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// backToBack decides every submission as fast as it can.
func (b *bench) backToBack() throughput {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start, cpu := time.Now(), cpuTime()
	for i := range b.count() {
		b.decide(i)
	}
	el, cpuEl := time.Since(start), cpuTime()-cpu
	runtime.ReadMemStats(&after)
	n := float64(b.count())
	return throughput{
		perS:   n / el.Seconds(),
		cpuNs:  float64(cpuEl.Nanoseconds()) / n,
		allocs: float64(after.Mallocs-before.Mallocs) / n,
		bytes:  float64(after.TotalAlloc-before.TotalAlloc) / n,
	}
}

type pacedResult struct {
	latency, service [3]float64 // p50, p99, p99.9 in µs
}

// paced offers the decisions at rate per second on this goroutine, waiting
// by spinning. Each decision has a scheduled arrival time, start plus i
// intervals, fixed before the run: its latency is its end minus that
// arrival, so a decision that waits behind a slow one counts the wait
// (no coordinated omission). Its service time is its end minus the moment
// the decider took it up.
func (b *bench) paced(rate int) pacedResult {
	interval := float64(time.Second) / float64(rate)
	n := b.count()
	latency, service := make([]time.Duration, n), make([]time.Duration, n)
	runtime.GC()
	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(float64(i) * interval))
		for time.Now().Before(due) {
		}
		t := time.Now()
		b.decide(i)
		end := time.Now()
		latency[i], service[i] = end.Sub(due), end.Sub(t)
	}
	return pacedResult{latency: percentiles(latency), service: percentiles(service)}
}

// sweepRates are the offered rates, per second, that maxRate tries in
// order.
var sweepRates = []int{25_000, 50_000, 75_000, 100_000, 125_000, 150_000, 175_000, 200_000, 250_000, 300_000}

// maxRate returns the highest of sweepRates at which the paced p99
// latency is at most bound, or 0 if none is; it stops at the first rate
// that fails.
func (b *bench) maxRate(bound time.Duration) int {
	best := 0
	for _, r := range sweepRates {
		if b.paced(r).latency[1] > float64(bound)/float64(time.Microsecond) {
			break
		}
		best = r
	}
	return best
}

func percentiles(d []time.Duration) [3]float64 {
	slices.Sort(d)
	at := func(q float64) float64 {
		return float64(d[min(int(q*float64(len(d))), len(d)-1)]) / float64(time.Microsecond)
	}
	return [3]float64{at(0.50), at(0.99), at(0.999)}
}
