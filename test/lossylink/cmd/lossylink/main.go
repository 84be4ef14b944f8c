// Command lossylink forwards UDP datagrams one way and drops some of them:
//
//	lossylink --listen 127.0.0.1:9000 --to 127.0.0.1:9001 --loss 0.05 --drop 1000:5000
//
// It prints its counters to stderr when interrupted.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"bastion/test/lossylink"
)

type runs []lossylink.Run

func (r *runs) String() string { return fmt.Sprint(*r) }

func (r *runs) Set(s string) error {
	a, b, ok := strings.Cut(s, ":")
	start, err1 := strconv.ParseUint(a, 10, 64)
	n, err2 := strconv.ParseUint(b, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return fmt.Errorf("drop run %q: want START:LEN", s)
	}
	*r = append(*r, lossylink.Run{Start: start, Len: n})
	return nil
}

func main() {
	var cfg lossylink.Config
	var drops runs
	flag.StringVar(&cfg.Listen, "listen", "127.0.0.1:0", "address to receive on")
	flag.StringVar(&cfg.To, "to", "", "address to forward to")
	flag.Float64Var(&cfg.Loss, "loss", 0, "fraction of datagrams to drop at random")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "random seed")
	flag.Var(&drops, "drop", "drop datagrams START:LEN (by position from 0; repeatable)")
	flag.Parse()
	cfg.Runs = drops
	l, err := lossylink.New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "lossylink:", err)
		os.Exit(2)
	}
	defer l.Close()
	fmt.Fprintln(os.Stderr, "lossylink: listening on", l.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := l.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "lossylink:", err)
		os.Exit(1)
	}
	s := l.Stats()
	fmt.Fprintf(os.Stderr, "received %d forwarded %d dropped %d errors %d\n",
		s.Received, s.Forwarded, s.Dropped, s.Errors)
}
