// Package lossylink is a one-way UDP forwarder that loses datagrams on
// purpose: a fraction at random, exact runs by position, or whatever a
// predicate picks. Tests and the single-machine harness put it between a
// diode sender and receiver on loopback. It only ever reads from its
// listening socket and writes to its forward socket, so nothing flows back.
package lossylink

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Run is a run of consecutive datagrams to drop: positions Start to
// Start+Len-1, counting received datagrams from 0.
type Run struct {
	Start, Len uint64
}

// Config says where to listen, where to forward, and what to lose.
type Config struct {
	// Listen is the address to receive on (default "127.0.0.1:0").
	Listen string
	// To is the address to forward to. Required.
	To string
	// Loss is the probability, in [0, 1), of dropping each datagram.
	Loss float64
	// Seed seeds the random drops, so a run can be repeated.
	Seed uint64
	// Runs are exact runs to drop, by position.
	Runs []Run
	// Drop, if set, is asked about every datagram not already dropped;
	// true drops it. index is the datagram's position. It is called from
	// one goroutine.
	Drop func(index uint64, d []byte) bool
	// Mutate, if set, may change every datagram that is forwarded, in
	// place, before it is sent on: a corrupting link. It is called from
	// one goroutine.
	Mutate func(index uint64, d []byte)
	// Buffer is the socket buffer size requested, in bytes (default 32 MiB;
	// as root the system limits are lifted).
	Buffer int
}

// Stats counts datagrams seen by a Link.
type Stats struct {
	Received, Forwarded, Dropped, Errors uint64
}

// Link is a running forwarder.
type Link struct {
	cfg                 Config
	in, out             *net.UDPConn
	rng                 *rand.Rand
	received, forwarded atomic.Uint64
	dropped, errs       atomic.Uint64
	closeOnce           sync.Once
}

// New opens the listening and forwarding sockets. It returns an error for
// a loss outside [0, 1) or addresses that do not resolve or bind.
func New(cfg Config) (*Link, error) {
	if !(cfg.Loss >= 0 && cfg.Loss < 1) { // NaN fails every comparison
		return nil, fmt.Errorf("loss %g out of range [0, 1)", cfg.Loss)
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.Buffer == 0 {
		cfg.Buffer = 32 << 20
	}
	la, err := net.ResolveUDPAddr("udp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("failed to resolve listen address: %w", err)
	}
	ta, err := net.ResolveUDPAddr("udp", cfg.To)
	if err != nil {
		return nil, fmt.Errorf("failed to resolve forward address: %w", err)
	}
	in, err := net.ListenUDP("udp", la)
	if err != nil {
		return nil, fmt.Errorf("failed to listen: %w", err)
	}
	out, err := net.DialUDP("udp", nil, ta)
	if err != nil {
		in.Close()
		return nil, fmt.Errorf("failed to open forward socket: %w", err)
	}
	forceBuffers(in, out, cfg.Buffer)
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	return &Link{cfg: cfg, in: in, out: out, rng: rng}, nil
}

// Addr is the address senders should send to.
func (l *Link) Addr() *net.UDPAddr { return l.in.LocalAddr().(*net.UDPAddr) }

// Run forwards until ctx ends or the Link is closed, then returns nil.
func (l *Link) Run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { l.in.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	buf := make([]byte, 1<<16)
	for {
		n, err := l.in.Read(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("failed to read: %w", err)
		}
		i := l.received.Add(1) - 1
		if l.drop(i, buf[:n]) {
			l.dropped.Add(1)
			continue
		}
		if l.cfg.Mutate != nil {
			l.cfg.Mutate(i, buf[:n])
		}
		if _, err := l.out.Write(buf[:n]); err != nil {
			l.errs.Add(1)
			continue
		}
		l.forwarded.Add(1)
	}
}

func (l *Link) drop(i uint64, d []byte) bool {
	for _, r := range l.cfg.Runs {
		if i >= r.Start && i-r.Start < r.Len {
			return true
		}
	}
	if l.cfg.Loss > 0 && l.rng.Float64() < l.cfg.Loss {
		return true
	}
	return l.cfg.Drop != nil && l.cfg.Drop(i, d)
}

// Stats returns the counters so far.
func (l *Link) Stats() Stats {
	return Stats{Received: l.received.Load(), Forwarded: l.forwarded.Load(),
		Dropped: l.dropped.Load(), Errors: l.errs.Load()}
}

// Close closes both sockets; Run then returns.
func (l *Link) Close() error {
	var err error
	l.closeOnce.Do(func() {
		err = errors.Join(l.in.Close(), l.out.Close())
	})
	return err
}
