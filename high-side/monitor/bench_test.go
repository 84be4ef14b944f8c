package monitor

import (
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"bastion/high-side/intake"
	"bastion/shared/entry"
)

// warmMonitor returns a monitor on the built-in pack holding the history
// of 2,000 accounts and 1,000 open orders.
func warmMonitor(b *testing.B) *Monitor {
	m := newTestMonitor(b, nil)
	for i := range 20_000 {
		p := payment(fmt.Sprintf("w%d", i), fmt.Sprintf("acct-%d", i%2000), fmt.Sprintf("acct-%d", (i*31)%2000),
			fmt.Sprint(50+i%500), "100000", "transfer")
		commitPayment(m, p, t0.Add(time.Duration(i)*time.Second))
	}
	for i := range 1000 {
		o := order(fmt.Sprintf("w%d", i), entry.OrderNew, "AAPL", entry.Buy, 10, fmt.Sprint(580+i%10))
		o.Trader, o.Account = fmt.Sprintf("t-%d", i%50), fmt.Sprintf("acct-%d", i%200)
		commitOrder(m, o, t0.Add(time.Duration(i)*time.Millisecond))
	}
	return m
}

func benchOrders() []intake.Order {
	os := make([]intake.Order, 1024)
	for i := range os {
		os[i] = order(fmt.Sprintf("b%d", i), entry.OrderNew, "AAPL", entry.Sell, int64(1+i%100), fmt.Sprint(575+i%20))
		os[i].Trader, os[i].Account = fmt.Sprintf("t-%d", i%50), fmt.Sprintf("acct-%d", i%200)
	}
	return os
}

func benchPayments() []intake.Payment {
	ps := make([]intake.Payment, 1024)
	for i := range ps {
		ps[i] = payment(fmt.Sprintf("b%d", i), fmt.Sprintf("acct-%d", (i*7)%2000), fmt.Sprintf("acct-%d", (i*13)%2000),
			fmt.Sprint(40+i%900), "20000", "transfer")
	}
	return ps
}

var sinkDecision entry.Decision

// cpuTime returns the process's user and system CPU time. Reported per
// operation next to ns/op, it shows the cost of a decision even when other
// processes compete for the machine and stretch wall-clock time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports CPU ns per operation since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

func BenchmarkDecideOrder(b *testing.B) {
	m, os := warmMonitor(b), benchOrders()
	now := t0.Add(6 * time.Hour)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := range b.N {
		sinkDecision = m.DecideOrder(os[i%len(os)], now)
	}
	reportCPU(b, cpu)
}

func BenchmarkDecidePayment(b *testing.B) {
	m, ps := warmMonitor(b), benchPayments()
	now := t0.Add(6 * time.Hour)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := range b.N {
		sinkDecision = m.DecidePayment(ps[i%len(ps)], now)
	}
	reportCPU(b, cpu)
}

// BenchmarkDecidePaced offers decisions (alternately an order and a
// payment) at 50,000 per second on one goroutine and reports the latency of
// each from its scheduled arrival, so falling behind shows as queueing:
// p50-ns, p99-ns and max-ns. Run with -cpu 1 for the one-core figure.
func BenchmarkDecidePaced(b *testing.B) {
	m, os, ps := warmMonitor(b), benchOrders(), benchPayments()
	const interval = 20 * time.Microsecond // 50,000 decisions/s
	now := t0.Add(6 * time.Hour)
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		due := start.Add(time.Duration(i) * interval)
		for time.Now().Before(due) {
		}
		if i%2 == 0 {
			sinkDecision = m.DecideOrder(os[i%len(os)], now)
		} else {
			sinkDecision = m.DecidePayment(ps[i%len(ps)], now)
		}
		lat[i] = time.Since(due)
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(lat[len(lat)-1].Nanoseconds()), "max-ns")
}

// BenchmarkDecideLatency times every decision (alternately an order and a
// payment) back to back and reports the distribution of the time each
// takes: p50-ns, p99-ns and p999-ns.
func BenchmarkDecideLatency(b *testing.B) {
	m, os, ps := warmMonitor(b), benchOrders(), benchPayments()
	now := t0.Add(6 * time.Hour)
	lat := make([]time.Duration, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := range b.N {
		start := time.Now()
		if i%2 == 0 {
			sinkDecision = m.DecideOrder(os[i%len(os)], now)
		} else {
			sinkDecision = m.DecidePayment(ps[i%len(ps)], now)
		}
		lat[i] = time.Since(start)
	}
	reportCPU(b, cpu)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(lat[len(lat)*999/1000].Nanoseconds()), "p999-ns")
}
