package diode

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"bastion/diode/internal/wire"
)

// carousel re-sends recent batches at the configured delays after their
// first transmission, so a receiver fills gaps with no back channel. It
// keeps at most CarouselBytes of batches; when a new batch would exceed
// that, the oldest are dropped before their last resend and counted.
type carousel struct {
	s       *Sender
	mu      sync.Mutex
	entries []*resend // in order of first transmission
	bytes   int
	wake    chan struct{}
	idle    chan struct{} // closed and replaced when entries empties
	w       *frameWriter
	frame   frame
}

type resend struct {
	seq   uint64
	batch []byte
	sent  time.Time // first transmission
	next  int       // index into the delays of the next resend
}

func newCarousel(s *Sender) (*carousel, error) {
	w, err := newFrameWriter(s)
	if err != nil {
		return nil, err
	}
	return &carousel{s: s, w: w, wake: make(chan struct{}, 1), idle: make(chan struct{})}, nil
}

// add keeps a copy of batch for resending.
func (c *carousel) add(seq uint64, batch []byte) {
	delays := c.s.cfg.Carousel
	if len(delays) == 0 || len(batch) > c.s.cfg.CarouselBytes {
		return
	}
	c.mu.Lock()
	for c.bytes+len(batch) > c.s.cfg.CarouselBytes && len(c.entries) > 0 {
		c.bytes -= len(c.entries[0].batch)
		c.entries = c.entries[1:]
		c.s.c.carouselDrop.Add(1)
	}
	c.entries = append(c.entries, &resend{seq: seq, batch: append([]byte(nil), batch...), sent: time.Now()})
	c.bytes += len(batch)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// due returns the entry whose resend is due first and when.
func (c *carousel) due() (*resend, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first *resend
	var at time.Time
	for _, e := range c.entries {
		t := e.sent.Add(c.s.cfg.Carousel[e.next])
		if first == nil || t.Before(at) {
			first, at = e, t
		}
	}
	return first, at
}

// run sends resends as they fall due, until the sender closes.
func (c *carousel) run() {
	defer c.s.wg.Done()
	ctx := c.s.life
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		e, at := c.due()
		if e != nil && !time.Now().Before(at) {
			c.send(ctx, e)
			continue
		}
		wait := time.Hour
		if e != nil {
			wait = time.Until(at)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		case <-timer.C:
		}
	}
}

// send resends one batch and advances or retires its entry.
func (c *carousel) send(ctx context.Context, e *resend) {
	err := c.s.transmit(ctx, e.seq, e.batch, wire.FlagCarousel, &c.frame, c.w)
	if err != nil && ctx.Err() == nil {
		c.s.log.Warn("carousel resend failed", slog.Uint64("seq", e.seq), slog.Any("err", err))
	}
	if err == nil {
		c.s.c.resends.Add(1)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e.next++
	if e.next < len(c.s.cfg.Carousel) {
		return
	}
	for i, x := range c.entries {
		if x == e {
			c.entries = append(c.entries[:i], c.entries[i+1:]...)
			c.bytes -= len(e.batch)
			break
		}
	}
	if len(c.entries) == 0 {
		close(c.idle)
		c.idle = make(chan struct{})
	}
}

// pending returns the number of batches awaiting a resend.
func (c *carousel) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// drain waits until no batch awaits a resend.
func (c *carousel) drain(ctx context.Context) error {
	for {
		c.mu.Lock()
		n, idle := len(c.entries), c.idle
		c.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-idle:
		case <-c.s.life.Done():
			return ErrClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
