package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"syscall"
	"testing"
	"time"

	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
	"bastion/shared/entry"
)

// paceBatches returns n encoded batches of size entries on one date; of
// every five entries two are rejected, two reviewed and one accepted, as
// in the ledger benchmark (bench-results/ledger.json).
func paceBatches(n, size int) []*report.Batch {
	var out []*report.Batch
	at := reporttest.At("2012-06-21", 9, 0)
	idx := uint64(0)
	for s := 1; s <= n; s++ {
		ents := make([][]byte, size)
		for i := range ents {
			d := reporttest.Accept()
			switch idx % 5 {
			case 0, 1:
				d = reporttest.Reject(entry.ReasonPriceCollar, entry.ReasonNotionalLimit)
			case 2, 3:
				d = reporttest.Review(entry.ReasonWatchList)
			}
			ents[i] = reporttest.Order(fmt.Sprintf("o-%d", idx), at, d)
			idx++
		}
		out = append(out, reporttest.NewBatch(uint64(s), idx-uint64(size), ents...))
	}
	return out
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPortalFollow feeds the export directory one batch of 2000
// entries per second for 40 s, as the ledger benchmark did, while the
// portal's follow loop (1 s poll) and report writer (5 s) run, and reports
// the process CPU time per entry. "throttled" is the writer as shipped;
// "every-5s" rewrites whenever 5 s have passed, whatever a rewrite costs.
// It takes 40 s per case: run it with -benchtime 1x.
func BenchmarkPortalFollow(b *testing.B) {
	const batches, size = 40, 2000
	feed := paceBatches(batches, size)
	raws := make([][]byte, len(feed))
	for i, bt := range feed {
		raws[i] = reporttest.Encode(bt)
	}
	for _, c := range []struct {
		name   string
		factor time.Duration
	}{{"throttled", 0}, {"every-5s", 1}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				us := followOnce(b, feed, raws, c.factor)
				b.ReportMetric(us, "cpu-µs/entry")
			}
		})
	}
}

// followOnce runs one paced feed and returns the CPU µs per entry.
func followOnce(b *testing.B, feed []*report.Batch, raws [][]byte, factor time.Duration) float64 {
	dir := reporttest.WriteExport(b, b.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	exp := report.NewExport(dir, nil)
	w := &reportWriter{dir: b.TempDir(), every: 5 * time.Second, factor: factor,
		log: slog.New(slog.DiscardHandler)}
	done := make(chan struct{})
	go func() {
		exp.Follow(ctx, time.Second, func(s *report.Snapshot) { w.offer(ctx, s) })
		close(done)
	}()
	start, entries := cpuTime(), 0
	for i, bt := range feed {
		if err := os.WriteFile(dir.BatchPath(bt.Seq), raws[i], 0o644); err != nil {
			b.Fatal(err)
		}
		entries += len(bt.Items)
		time.Sleep(time.Second)
	}
	time.Sleep(time.Second)
	cancel()
	<-done
	return float64((cpuTime() - start).Microseconds()) / float64(entries)
}
