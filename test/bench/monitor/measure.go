package main

import (
	"fmt"
	"runtime"
	"slices"
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
	perS, allocs, bytes float64
}

// backToBack decides every submission as fast as it can.
func (b *bench) backToBack() throughput {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for i := range b.count() {
		b.decide(i)
	}
	el := time.Since(start)
	runtime.ReadMemStats(&after)
	n := float64(b.count())
	return throughput{
		perS:   n / el.Seconds(),
		allocs: float64(after.Mallocs-before.Mallocs) / n,
		bytes:  float64(after.TotalAlloc-before.TotalAlloc) / n,
	}
}

type pacedResult struct {
	service, late [3]float64 // p50, p99, p99.9 in µs
}

// paced offers the decisions at rate per second on this goroutine, waiting
// by spinning, and records each decision's service time and its end
// against the schedule.
func (b *bench) paced(rate int) pacedResult {
	interval := time.Second / time.Duration(rate)
	n := b.count()
	service, late := make([]time.Duration, n), make([]time.Duration, n)
	runtime.GC()
	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		for time.Now().Before(due) {
		}
		t := time.Now()
		b.decide(i)
		end := time.Now()
		service[i], late[i] = end.Sub(t), end.Sub(due)
	}
	return pacedResult{service: percentiles(service), late: percentiles(late)}
}

func percentiles(d []time.Duration) [3]float64 {
	slices.Sort(d)
	at := func(q float64) float64 {
		return float64(d[min(int(q*float64(len(d))), len(d)-1)]) / float64(time.Microsecond)
	}
	return [3]float64{at(0.50), at(0.99), at(0.999)}
}
