package node

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"bastion/high-side/intake"
)

// BenchmarkClusterSubmit measures entries per second through a 3-node
// loopback cluster over TLS with fsync on, every entry applied on all three
// nodes. Clients submit concurrently through the leader, perCall orders per
// call.
func BenchmarkClusterSubmit(b *testing.B) {
	for _, tc := range []struct{ clients, perCall int }{{256, 1}, {32, 16}, {8, 128}} {
		b.Run(fmt.Sprintf("clients=%d/per_call=%d", tc.clients, tc.perCall), func(b *testing.B) {
			benchSubmit(b, tc.clients, tc.perCall)
		})
	}
}

func benchSubmit(b *testing.B, clients, perCall int) {
	c := newCluster(b, 3, false, func(cfg *Config) {
		cfg.Raft.HeartbeatTimeout = Duration(time.Second)
		cfg.Raft.ElectionTimeout = Duration(time.Second)
		cfg.Raft.LeaderLeaseTimeout = Duration(500 * time.Millisecond)
	})
	_, leader := c.leader()
	var next atomic.Int64
	calls := (b.N + perCall - 1) / perCall
	b.ResetTimer()
	start := time.Now()
	cpu0 := cpuTime()
	var wg sync.WaitGroup
	for g := 0; g < clients; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := next.Add(1) - 1
				if k >= int64(calls) {
					return
				}
				orders := make([]intake.Order, perCall)
				for j := range orders {
					id := fmt.Sprintf("b-%d-%d", k, j)
					orders[j] = order(id, id, "AAPL")
				}
				if _, err := leader.SubmitOrders(context.Background(), "alice", orders); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	c.converge(uint64(calls * perCall))
	elapsed := time.Since(start)
	b.StopTimer()
	entries := float64(calls * perCall)
	b.ReportMetric(entries/elapsed.Seconds(), "entries/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/entries, "cpu-µs/entry")
}

// cpuTime returns the CPU time, user and system, the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
