// Command e2e measures the acknowledgement latency of single orders sent
// at a fixed rate through the real appliance (three bastion-node processes
// with fsync on, the lossy link, the guard and the portal, default
// configuration). The load is open-loop: every order has a scheduled send
// time (rate orders per second, evenly spaced), and its latency runs from
// that time until its receipt arrives, so time spent waiting for a free
// connection or behind a slow reply counts. It writes
// bench-results/e2e.json and prints it:
//
//	go run ./test/bench/e2e --bin bin [--rate 5000] [--out bench-results/e2e.json]
package main

import (
	"context"
	"encoding/json"
	"flag"
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
	rate     float64
	workers  int
	warmup   time.Duration
	duration time.Duration
	seed     uint64
	keep     bool
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "bin", "folder with the Bastion binaries")
	flag.StringVar(&o.out, "out", "bench-results/e2e.json", "result file")
	flag.Float64Var(&o.rate, "rate", 5000, "orders per second, one order per request")
	flag.IntVar(&o.workers, "workers", 256, "concurrent senders (and kept connections)")
	flag.DurationVar(&o.warmup, "warmup", 5*time.Second, "paced load before the measurement window")
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "measurement window")
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
		show = func() {
			b, _ := json.MarshalIndent(res, "", "  ")
			os.Stdout.Write(append(b, '\n'))
		}
	}
	cluster.Finish(logger, "e2e", o.out, written, show, err)
}
