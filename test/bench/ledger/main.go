// Command ledger measures the ledger's sustained write rate and latencies
// through the real appliance: three bastion-node processes with fsync on,
// the lossy link, the guard and the portal, started by the appliance
// harness with the default configuration. Many concurrent clients submit
// generated orders and payments over HTTPS in small batches (1 to 64
// items), each sending its next batch once the last is acknowledged. It
// writes bench-results/ledger.json:
//
//	go run ./test/bench/ledger --bin bin [--out bench-results/ledger.json]
//
// Figures, all from the measurement window after a warm-up:
//
//   - entries_per_s: entries acknowledged per second of the window.
//   - ack_p50_ms, ack_p99_ms: HTTP round trip of a submission until its
//     receipts (with their ledger indexes) arrive.
//   - signed_checkpoint_p99_ms: from a submission's acknowledgement until
//     the leader's committed export cursor (its newest signed checkpoint)
//     covers the submission's highest ledger index, polled every 10 ms.
//   - published_checkpoint_p99_ms (also checkpoint_p99_ms): the same until
//     the guard's chain-head file (the newest checkpoint it accepted and
//     published) covers it.
//   - verify_entries_per_min: the ledger size over the wall time of
//     `bastion-verify archive` on the guard's export directory.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"bastion/test/bench/cluster"
)

// options are the program's flags.
type options struct {
	bin      string
	out      string
	clients  int
	maxItems int
	entries  int
	warmup   time.Duration
	duration time.Duration
	poll     time.Duration
	seed     uint64
	keep     bool
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "bin", "folder with the Bastion binaries")
	flag.StringVar(&o.out, "out", "bench-results/ledger.json", "result file")
	flag.IntVar(&o.clients, "clients", 64, "concurrent clients")
	flag.IntVar(&o.maxItems, "max-items", 64, "most items per submission (each takes 1 to this many)")
	flag.IntVar(&o.entries, "entries", 500_000, "entries generated before the run; the run ends early when used up")
	flag.DurationVar(&o.warmup, "warmup", 5*time.Second, "load before the measurement window")
	flag.DurationVar(&o.duration, "duration", 40*time.Second, "measurement window")
	flag.DurationVar(&o.poll, "poll", 10*time.Millisecond, "checkpoint polling interval")
	flag.Uint64Var(&o.seed, "seed", 1, "generator seed")
	flag.BoolVar(&o.keep, "keep", false, "keep the state directory")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	res, err := run(ctx, o, logger)
	var show func()
	var written any // stays a nil interface when there is no result
	if res != nil {
		written = res
		show = func() { res.print(o.out) }
	}
	cluster.Finish(logger, "ledger", o.out, written, show, err)
}

func (r *results) print(out string) {
	fmt.Printf("entries_per_s %.0f\nack_p50_ms %.1f\nack_p99_ms %.1f\n"+
		"signed_checkpoint_p99_ms %.1f\npublished_checkpoint_p99_ms %.1f\nverify_entries_per_min %.0f\n"+
		"load_average_before %v after %v\nwrote %s\n",
		r.EntriesPerS, r.AckP50, r.AckP99, r.SignedP99, r.PublishedP99, r.VerifyPerMin,
		r.Machine.LoadBefore, r.Machine.LoadAfter, out)
}
