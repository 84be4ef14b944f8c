// Command diode-bench measures the diode against its peers on this
// machine: iperf3 in UDP mode (the ceiling: no FEC, no integrity),
// udpcast in its one-way mode (udp-sender --async with FEC) and the diode
// command, each moving the same file at the same FEC overhead (25 %),
// datagram payloads of 1,400 and 8,900 bytes and random loss of 0 % and
// 5 %.
//
// Everything runs on the loopback interface of a private network namespace
// (MTU 65,536, multicast enabled for udpcast). Loss comes from an
// nftables rule in that namespace's input hook, `udp length >= 1000
// numgen random mod 100 < N drop`, so it hits every tool's data datagrams
// alike and spares their small control datagrams. The root namespace's
// net.core.rmem_max and wmem_max are raised to 32 MiB for the run, so
// every tool gets the receive buffer the diode takes as root, and are put
// back at the end.
//
// Each tool runs at a ladder of pacing rates; the table keeps its best
// run whose bytes all arrived (SHA-256), or its best run if none did.
// iperf3 runs three times and the table keeps its highest received rate,
// lossy or not, so the ceiling is never lowered.
// Every run is bounded in time. Results go to a table on stdout and to
// bench-results/diode.json. It needs root, iperf3 and udpcast:
//
//	go build -o bin/diode ./diode/cmd/diode
//	go run ./test/bench/diode --diode bin/diode --size-mb 200
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	diode    string
	sizeMB   int
	out      string
	timeout  time.Duration
	payloads []int
	losses   []int
}

func main() {
	var o options
	var payloads, losses string
	flag.StringVar(&o.diode, "diode", "bin/diode", "diode command to measure")
	flag.IntVar(&o.sizeMB, "size-mb", 200, "transfer size in MB (10^6 bytes)")
	flag.StringVar(&o.out, "out", "bench-results/diode.json", "JSON results file")
	flag.DurationVar(&o.timeout, "timeout", 120*time.Second, "bound on each run")
	flag.StringVar(&payloads, "payloads", "1400,8900", "datagram payload sizes in bytes")
	flag.StringVar(&losses, "loss", "0,5", "random loss rates in percent")
	flag.Parse()
	var err error
	if o.payloads, err = intList("--payloads", payloads, 16, 60000); err == nil {
		o.losses, err = intList("--loss", losses, 0, 50)
	}
	if err == nil && (o.sizeMB < 1 || o.sizeMB > 10000) {
		err = fmt.Errorf("--size-mb %d: want 1 to 10000", o.sizeMB)
	}
	if err == nil {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err = run(ctx, o)
		stop()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "diode-bench:", err)
		os.Exit(1)
	}
}

// intList parses a comma-separated list of integers in [lo, hi].
func intList(flagName, s string, lo, hi int) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < lo || v > hi {
			return nil, fmt.Errorf("%s: %q is not an integer from %d to %d", flagName, f, lo, hi)
		}
		out = append(out, v)
	}
	return out, nil
}

// preflight checks for root and the tools.
func preflight(o options) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("needs root: it makes a network namespace and loads nftables rules")
	}
	for _, tool := range []string{"ip", "nft", "iperf3", "udp-sender", "udp-receiver"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("needs %s (apt-get install -y iproute2 nftables iperf3 udpcast)", tool)
		}
	}
	if fi, err := os.Stat(o.diode); err != nil || fi.IsDir() {
		return fmt.Errorf("--diode %s: not a file (go build -o bin/diode ./diode/cmd/diode)", o.diode)
	}
	return nil
}

func run(ctx context.Context, o options) error {
	if err := preflight(o); err != nil {
		return err
	}
	var err error
	if o.diode, err = filepath.Abs(o.diode); err != nil {
		return err
	}
	restore, err := raiseBuffers(32 << 20)
	if err != nil {
		return err
	}
	defer restore()
	ns, err := newNamespace(ctx, fmt.Sprintf("bst-bench-%d", os.Getpid()))
	if err != nil {
		return err
	}
	defer ns.remove()
	work, err := os.MkdirTemp("", "diode-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	b := &bench{o: o, ns: ns, work: work}
	if err := b.prepare(); err != nil {
		return err
	}
	best, attempts, err := b.all(ctx)
	if err != nil {
		return err
	}
	printTable(os.Stdout, best, o)
	return writeJSON(o.out, best, attempts, o)
}
