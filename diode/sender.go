package diode

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"bastion/diode/internal/fec"
	"bastion/diode/internal/wire"
)

// Sender sends batches over one link. Send may be called from one goroutine
// at a time (calls are serialised); Stats, Drain and Close from any.
//
// Send builds a batch's datagrams (copy, Reed-Solomon parity) while a
// writer goroutine seals and writes the previous batch, many datagrams per
// system call, so building and writing run on two cores.
//
// Memory: three frames of about 1.25×MaxBatch each plus 60 bytes per
// datagram (two alternate for Send, one for the carousel), plus at most
// CarouselBytes of retained batches.
type Sender struct {
	conn   *net.UDPConn
	cfg    SenderConfig
	log    *slog.Logger
	id     uint64
	aead   cipher.AEAD
	start  time.Time
	parity []uint8
	codec  *fec.Codec
	pace   *bucket
	sock   int
	chunk  int // datagrams per system call

	announce []byte // signed announcement datagram
	counter  counter
	c        senderCounters

	sendMu  sync.Mutex // serialises Send
	frames  [2]frame
	nextF   int
	lastSeq uint64 // last sequence handed to the writer, under sendMu
	hasSeq  bool

	work   chan *frame // Send to writer: a batch, or a flush marker
	wlife  context.Context
	wend   context.CancelFunc
	wdone  chan struct{}
	werrMu sync.Mutex
	werr   error // a batch of which no datagram was written
	fw     *frameWriter

	carousel *carousel
	life     context.Context // ends at Close
	end      context.CancelFunc
	close    sync.Once
	wg       sync.WaitGroup
}

// counter hands out datagram counters, the AEAD nonces; it starts at 1.
type counter struct {
	mu sync.Mutex
	n  uint64
}

func (c *counter) next() uint64 { return c.take(1) }

// take reserves n consecutive counters and returns the first.
func (c *counter) take(n int) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	first := c.n + 1
	c.n += uint64(n)
	return first
}

// NewSender opens a session on conn, a connected UDP socket the Sender only
// writes to (it never reads; it does not close it). It encapsulates a
// session key to cfg.RecipientKey, signs the announcement, sends it and
// starts the heartbeat and carousel goroutines. logger may be nil.
// It returns an error wrapping ErrConfig for a bad configuration.
func NewSender(conn *net.UDPConn, cfg SenderConfig, logger *slog.Logger) (*Sender, error) {
	cfg.setDefaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	s := &Sender{
		conn: conn, cfg: cfg, log: orDiscard(logger), start: time.Now(),
		parity: cfg.parityTable(), codec: fec.NewCodec(),
		pace: newBucket(cfg.Rate, cfg.Burst),
	}
	s.life, s.end = context.WithCancel(context.Background())
	s.id = randomSession()
	var enc []byte
	var err error
	if enc, s.aead, err = openSenderKey(cfg.RecipientKey, cfg.Link, s.id); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if s.announce, err = s.signAnnouncement(enc); err != nil {
		return nil, err
	}
	if s.sock, err = tuneSend(conn, cfg.SocketBuffer); err != nil {
		s.log.Warn("socket buffer not sized", slog.Any("err", err))
	}
	if err := s.register(cfg); err != nil {
		return nil, err
	}
	if s.fw, err = newFrameWriter(s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	s.chunk = chunkSize(cfg, datagramLen(cfg.ShardSize))
	s.wlife, s.wend = context.WithCancel(context.Background())
	s.work, s.wdone = make(chan *frame), make(chan struct{})
	go s.writer()
	s.carousel, err = newCarousel(s)
	if err != nil {
		s.wend()
		close(s.work)
		<-s.wdone
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	// Twice: a transfer shorter than AnnounceInterval has no other copy
	// before its end, and one lost announcement would lose all of it.
	s.sendAnnouncement()
	s.sendAnnouncement()
	s.wg.Add(2)
	go s.beacon()
	go s.carousel.run()
	s.log.Info("diode session opened", slog.String("link", cfg.Link),
		slog.String("session", fmt.Sprintf("%016x", s.id)), slog.Int("socket_buffer", s.sock))
	return s, nil
}

func randomSession() uint64 {
	var b [8]byte
	for {
		rand.Read(b[:])
		if id := binary.BigEndian.Uint64(b[:]); id != 0 {
			return id
		}
	}
}

// signAnnouncement builds the signed announcement datagram.
func (s *Sender) signAnnouncement(enc []byte) ([]byte, error) {
	a := &wire.Announce{
		Session: s.id, Start: s.start, Link: s.cfg.Link,
		KEM: kem.ID(), KDF: suiteKDF.ID(), AEAD: suiteAEAD.ID(), Enc: enc,
		ShardSize: uint16(s.cfg.ShardSize), MaxBatch: uint32(s.cfg.MaxBatch),
		Heartbeat: s.cfg.Heartbeat, Interval: s.cfg.AnnounceInterval,
		Parity: s.parity, Carousel: s.cfg.Carousel,
	}
	body := wire.AppendAnnounce(nil, a)
	sig, err := s.cfg.Signer.Sign(body, ctxAnnounce)
	if err != nil {
		return nil, fmt.Errorf("failed to sign announcement: %w", err)
	}
	n := len(body) + len(sig)
	if n > wire.MaxAnnounceBody || len(sig) == 0 {
		return nil, fmt.Errorf("%w: announcement of %d bytes with %d-byte signature", ErrConfig, n, len(sig))
	}
	h := wire.Header{Type: wire.TypeAnnounce, Session: s.id, BodyLen: uint16(n)}
	d := wire.AppendHeader(make([]byte, 0, wire.HeaderLen+n), &h)
	return append(append(d, body...), sig...), nil
}

// Send builds batch as sequence seq and hands it to the writer, which
// sends it in full while the next Send builds; the carousel keeps a copy.
// It blocks while the writer is busy with the previous batch, which is
// where pacing holds it back. seq must exceed every sequence sent before
// in this session (ErrSequence); numbers skipped are reported as gaps by
// the receiver. It returns ErrBatchTooLarge, ErrClosed, ctx's error if ctx
// ends before the writer takes the batch, or an error if no datagram of
// an earlier batch could be written (reported once). Batch is not
// retained.
func (s *Sender) Send(ctx context.Context, seq uint64, batch []byte) error {
	if len(batch) > s.cfg.MaxBatch {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrBatchTooLarge, len(batch), s.cfg.MaxBatch)
	}
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	if s.life.Err() != nil {
		return ErrClosed
	}
	if err := s.writeErr(); err != nil {
		return err
	}
	if s.hasSeq && seq <= s.lastSeq {
		return fmt.Errorf("%w: %d after %d", ErrSequence, seq, s.lastSeq)
	}
	f := &s.frames[s.nextF]
	if err := s.build(f, seq, batch, 0); err != nil {
		return fmt.Errorf("failed to send batch %d: %w", seq, err)
	}
	select {
	case s.work <- f:
	case <-s.life.Done():
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	s.nextF = 1 - s.nextF
	s.lastSeq, s.hasSeq = seq, true
	s.carousel.add(seq, batch)
	return nil
}

// writer sends the frames Send hands over, one at a time, until the work
// channel closes.
func (s *Sender) writer() {
	defer close(s.wdone)
	for f := range s.work {
		if f.done != nil {
			close(f.done)
			continue
		}
		o, err := s.fw.write(s.wlife, s, f)
		if err == nil && o.sent == 0 && o.failed > 0 {
			err = fmt.Errorf("none of %d datagrams written: %w", o.failed, o.last)
		}
		if err != nil {
			if s.wlife.Err() == nil {
				s.setWriteErr(fmt.Errorf("failed to send batch %d: %w", f.hdr.Seq, err))
			}
			continue
		}
		s.c.batches.Add(1)
		s.c.bytes.Add(uint64(f.bytes))
		if !s.c.hasBatch.Load() {
			s.c.firstSeq.Store(f.hdr.Seq)
		}
		s.c.lastSeq.Store(f.hdr.Seq)
		s.c.hasBatch.Store(true)
	}
}

func (s *Sender) setWriteErr(err error) {
	s.werrMu.Lock()
	defer s.werrMu.Unlock()
	if s.werr == nil {
		s.werr = err
	}
}

// writeErr returns and forgets the error of a batch the writer failed.
func (s *Sender) writeErr() error {
	s.werrMu.Lock()
	defer s.werrMu.Unlock()
	err := s.werr
	s.werr = nil
	return err
}

// flush waits until the writer has finished every batch handed to it.
func (s *Sender) flush(ctx context.Context) error {
	marker := &frame{done: make(chan struct{})}
	select {
	case s.work <- marker:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-marker.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// transmit builds and writes one batch in the calling goroutine, through
// f and w: the carousel's path.
func (s *Sender) transmit(ctx context.Context, seq uint64, batch []byte, flags uint8,
	f *frame, w *frameWriter) error {
	if err := s.build(f, seq, batch, flags); err != nil {
		return err
	}
	o, err := w.write(ctx, s, f)
	if err == nil && o.sent == 0 && o.failed > 0 {
		err = fmt.Errorf("none of %d datagrams written: %w", o.failed, o.last)
	}
	if err != nil {
		return fmt.Errorf("failed to send batch %d: %w", seq, err)
	}
	return nil
}

// write sends one datagram and counts it. A failed write is counted, logged
// at debug level and returned; the link carries on.
func (s *Sender) write(d []byte) error {
	if _, err := s.conn.Write(d); err != nil {
		s.c.failed(1, err)
		s.log.Debug("datagram not written", slog.Any("err", err))
		return err
	}
	s.c.datagrams.Add(1)
	s.c.wireBytes.Add(uint64(len(d)))
	return nil
}

// chunkSize is how many datagrams of n bytes go per system call: at most
// half the pacing burst, so that pacing stays smooth, and at most mmsgMax.
func chunkSize(cfg SenderConfig, n int) int {
	if cfg.Rate == RateUnlimited {
		return mmsgMax
	}
	return max(1, min(mmsgMax, cfg.Burst/2/n))
}

// Drain waits until the writer has sent every batch and the carousel has
// made every scheduled resend, so that a process about to exit gives its
// last batches their full protection. It returns ctx's error if ctx ends
// first, or ErrClosed after Close.
func (s *Sender) Drain(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.life, cancel)()
	if err := s.flush(ctx); err != nil {
		if s.life.Err() != nil {
			return ErrClosed
		}
		return err
	}
	return s.carousel.drain(ctx)
}

// Close interrupts a Send in progress (it returns ErrClosed), lets the
// writer finish the batches Send handed over, stops the heartbeat,
// carousel and writer goroutines and waits for them, then sends the
// announcement once more and three closing heartbeats. It does not close the socket. Batches still waiting
// in the carousel are not resent. Close is idempotent.
func (s *Sender) Close() error {
	s.halt(true)
	return nil
}

// halt stops the goroutines; with farewell it then sends the closing
// heartbeats. Without, the receiver sees what a crashed sender leaves.
func (s *Sender) halt(farewell bool) {
	s.close.Do(func() {
		s.end()
		s.wg.Wait()
		s.sendMu.Lock() // wait for a Send in progress to give up
		if farewell {
			s.flush(s.wlife)
		}
		s.wend()
		close(s.work)
		<-s.wdone
		s.sendMu.Unlock()
		if farewell {
			// A receiver that missed every announcement learns the session
			// now, and reports the batches it lacks instead of guessing.
			s.sendAnnouncement()
			for range 3 {
				s.sendHeartbeat(wire.FlagClosing)
			}
		}
		s.log.Info("diode session closed", slog.String("session", fmt.Sprintf("%016x", s.id)))
	})
}

// Stats returns the sender's counters.
func (s *Sender) Stats() SenderStats {
	st := SenderStats{
		Session: s.id, Batches: s.c.batches.Load(), Bytes: s.c.bytes.Load(),
		Datagrams: s.c.datagrams.Load(), WireBytes: s.c.wireBytes.Load(),
		ParityDatagrams: s.c.parity.Load(), Heartbeats: s.c.heartbeats.Load(),
		Announcements: s.c.announcements.Load(), CarouselResends: s.c.resends.Load(),
		CarouselDropped: s.c.carouselDrop.Load(), CarouselPending: s.carousel.pending(),
		SendErrors: s.c.sendErrors.Load(), PacingWait: time.Duration(s.c.pacingWait.Load()),
		HasBatch: s.c.hasBatch.Load(), LastSeq: s.c.lastSeq.Load(), SocketBuffer: s.sock,
	}
	if e := s.c.lastSendError.Load(); e != nil {
		st.LastSendError = *e
	}
	_, st.KernelSndbufErrs, _ = udpCounters()
	return st
}

// failed counts n datagrams the socket refused, the last with err.
func (c *senderCounters) failed(n int, err error) {
	c.sendErrors.Add(uint64(n))
	if err != nil {
		msg := err.Error()
		c.lastSendError.Store(&msg)
	}
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
