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
// A second, paced phase follows: submissions due at a fixed entry rate
// (--paced-rate, by default half the closed loop's rate and at most the
// 10,000/s target), sent whatever the answers do, latency counted from
// when each was due. The closed loop finds the sustained rate; its
// latencies only measure its own queue (64 clients with up to 64 items
// each keep thousands of entries waiting), so the latencies reported at
// the top come from the paced phase.
//
// Figures:
//
//   - entries_per_s: entries acknowledged per second of the closed loop's
//     window, after a warm-up.
//   - ack_p50_ms, ack_p99_ms: (paced) from when a submission was due until
//     its receipts (with their ledger indexes) arrive over HTTPS.
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

	pacedRate     float64
	pacedDuration time.Duration
	pacedWorkers  int
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "bin", "folder with the Bastion binaries")
	flag.StringVar(&o.out, "out", "bench-results/ledger.json", "result file")
	flag.IntVar(&o.clients, "clients", 64, "concurrent clients")
	flag.IntVar(&o.maxItems, "max-items", 64, "most items per submission (each takes 1 to this many)")
	flag.IntVar(&o.entries, "entries", 600_000, "entries generated before the run; the run ends early when used up")
	flag.DurationVar(&o.warmup, "warmup", 5*time.Second, "load before the measurement window")
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "measurement window")
	flag.DurationVar(&o.poll, "poll", 10*time.Millisecond, "checkpoint polling interval")
	flag.Uint64Var(&o.seed, "seed", 1, "generator seed")
	flag.BoolVar(&o.keep, "keep", false, "keep the state directory")
	flag.Float64Var(&o.pacedRate, "paced-rate", 0,
		"entries/s of the paced phase; 0 means half the closed loop's rate, at most 10,000")
	flag.DurationVar(&o.pacedDuration, "paced-duration", 20*time.Second, "paced phase length, 0 to skip it")
	flag.IntVar(&o.pacedWorkers, "paced-workers", 256, "connections the paced phase may use at once")
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
	fmt.Printf("entries_per_s %.0f (closed loop)\nlatency at %.0f entries/s (paced):\nack_p50_ms %.1f\nack_p99_ms %.1f\n"+
		"signed_checkpoint_p99_ms %.1f\npublished_checkpoint_p99_ms %.1f\nverify_entries_per_min %.0f\n"+
		"load_average_before %v after %v\nwrote %s\n",
		r.EntriesPerS, r.LatencyAt, r.AckP50, r.AckP99, r.SignedP99, r.PublishedP99, r.VerifyPerMin,
		r.Machine.LoadBefore, r.Machine.LoadAfter, out)
}
