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
// Memory: two encode buffers of about 1.2×MaxBatch each (one for Send, one
// for the carousel) plus at most CarouselBytes of retained batches.
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

	announce []byte // signed announcement datagram
	counter  counter
	c        senderCounters

	sendMu  sync.Mutex // serialises Send
	scratch fec.Scratch
	dgram   []byte

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

func (c *counter) next() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
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
	s.carousel = newCarousel(s)
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

// Send transmits batch as sequence seq, then hands a copy to the carousel.
// It blocks only for pacing. seq must exceed every sequence sent before in
// this session (ErrSequence); numbers skipped are reported as gaps by the
// receiver. It returns ErrBatchTooLarge, ErrClosed, ctx's error, or an error
// if no datagram of the batch could be written. Batch is not retained.
func (s *Sender) Send(ctx context.Context, seq uint64, batch []byte) error {
	if len(batch) > s.cfg.MaxBatch {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrBatchTooLarge, len(batch), s.cfg.MaxBatch)
	}
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	if s.life.Err() != nil {
		return ErrClosed
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.life, cancel)()
	if s.c.hasBatch.Load() && seq <= s.c.lastSeq.Load() {
		return fmt.Errorf("%w: %d after %d", ErrSequence, seq, s.c.lastSeq.Load())
	}
	if err := s.transmit(ctx, seq, batch, 0, &s.scratch, &s.dgram); err != nil {
		if s.life.Err() != nil {
			return ErrClosed
		}
		return err
	}
	s.c.batches.Add(1)
	s.c.bytes.Add(uint64(len(batch)))
	if !s.c.hasBatch.Load() {
		s.c.firstSeq.Store(seq)
	}
	s.c.lastSeq.Store(seq)
	s.c.hasBatch.Store(true)
	s.carousel.add(seq, batch)
	return nil
}

// transmit encodes and sends every shard of one batch in interleaved order.
func (s *Sender) transmit(ctx context.Context, seq uint64, batch []byte, flags uint8,
	scratch *fec.Scratch, dgram *[]byte) error {
	l, err := fec.NewLayout(len(batch), s.cfg.ShardSize, s.parity)
	if err != nil {
		return err
	}
	enc, err := s.codec.EncodeBatch(batch, l, scratch)
	if err != nil {
		return err
	}
	var sent, failed int
	var lastErr error
	l.Interleave(func(g, i int) bool {
		k, m, _ := l.Group(g)
		h := wire.Header{Type: wire.TypeShard, Flags: flags, Index: uint8(i), Session: s.id,
			Seq: seq, Group: uint32(g), K: uint8(k), M: uint8(m),
			BodyLen: uint16(l.ShardSize + 16), BatchLen: uint32(len(batch))}
		if err = s.pacedWrite(ctx, &h, enc.Groups[g][i], dgram); err != nil {
			if ctx.Err() != nil {
				return false
			}
			failed, lastErr, err = failed+1, err, nil
			return true
		}
		if i >= k {
			s.c.parity.Add(1)
		}
		sent++
		return true
	})
	if err != nil {
		return fmt.Errorf("failed to send batch %d: %w", seq, err)
	}
	if sent == 0 && failed > 0 {
		return fmt.Errorf("failed to send batch %d: none of %d datagrams written: %w", seq, failed, lastErr)
	}
	return nil
}

// pacedWrite waits for tokens, seals plain under header h and writes it.
func (s *Sender) pacedWrite(ctx context.Context, h *wire.Header, plain []byte, dgram *[]byte) error {
	slept, err := s.pace.wait(ctx, wire.HeaderLen+len(plain)+16)
	s.c.pacingWait.Add(int64(slept))
	if err != nil {
		return err
	}
	return s.write(s.seal(h, plain, dgram))
}

// seal fills in the counter, encrypts plain with the header as associated
// data and returns the datagram, built in *dgram.
func (s *Sender) seal(h *wire.Header, plain []byte, dgram *[]byte) []byte {
	h.Counter = s.counter.next()
	var nonce [12]byte
	wire.Nonce(&nonce, h.Type, h.Counter)
	d := wire.AppendHeader((*dgram)[:0], h)
	d = s.aead.Seal(d, nonce[:], plain, d[:wire.HeaderLen])
	*dgram = d
	return d
}

// write sends one datagram and counts it. A failed write is counted, logged
// at debug level and returned; the link carries on.
func (s *Sender) write(d []byte) error {
	if _, err := s.conn.Write(d); err != nil {
		s.c.sendErrors.Add(1)
		s.log.Debug("datagram not written", slog.Any("err", err))
		return err
	}
	s.c.datagrams.Add(1)
	s.c.wireBytes.Add(uint64(len(d)))
	return nil
}

// Drain waits until the carousel has made every scheduled resend, so that a
// process about to exit gives its last batches their full protection.
// It returns ctx's error if ctx ends first, or ErrClosed after Close.
func (s *Sender) Drain(ctx context.Context) error { return s.carousel.drain(ctx) }

// Close interrupts a Send in progress (it returns ErrClosed), sends three
// closing heartbeats, stops the heartbeat and carousel goroutines and waits
// for them. It does not close the socket. Batches still
// waiting in the carousel are not resent. Close is idempotent.
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
		s.sendMu.Unlock()
		if farewell {
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
	_, st.KernelSndbufErrs, _ = udpCounters()
	return st
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
