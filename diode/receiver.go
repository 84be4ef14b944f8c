package diode

import (
	"context"
	"crypto/hpke"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"bastion/diode/internal/fec"
)

// tick is how often the receiver checks timers: heartbeat misses, session
// and limbo expiry, carousel horizons and aggregated events.
const tick = 100 * time.Millisecond

// Receiver reads one link. Run owns all protocol state from one goroutine
// and hands rebuilt batches and events to a second goroutine that calls the
// Handler, through a bounded queue. Stats is safe to call at any time.
type Receiver struct {
	conn  *net.UDPConn
	cfg   ReceiverConfig
	log   *slog.Logger
	priv  hpke.PrivateKey
	codec *fec.Codec
	sock  int
	c     receiverCounters
	queue *queue

	started atomic.Bool

	// State below is owned by the read loop.
	cur       *session
	retired   [16]uint64
	retiredAt int
	limbo     *limbo
	delivered *seqSet
	gaps      *gapBook
	verify    *bucket
	noise     map[Kind]*noisy
	free      [][]byte // spare shard buffers of the current shard size
	inPlace   []byte   // the batch place the shard being handled is decrypted into
	freeSize  int
	hbBuf     []byte
	nonce     [12]byte
	mem       int
	openGap   *Event // gap event being gathered, see report
	openGapAt time.Time
	orphan    orphan // datagrams heard of a session never announced
}

type receiverCounters struct {
	datagrams, wireBytes, malformed, unknownType, authFailures atomic.Uint64
	unknownSession, staleSession, announcements, verifyDropped atomic.Uint64
	dupShards, lost, repaired, batches, bytes, dupBatches      atomic.Uint64
	gaps, tail, filled, lostBatches, evicted                   atomic.Uint64
	heartbeats, hbMissed, restarts, queueDrops, socketDrops    atomic.Uint64
	readErrors                                                 atomic.Uint64
	firstData, lastData, lastBatch                             atomic.Int64 // Unix nanoseconds
	lostBefore                                                 uint64       // lost in ended sessions; read loop only
	mem, limboN, limboBytes                                    atomic.Int64
	session                                                    atomic.Uint64
	report                                                     atomic.Pointer[SenderReport]
}

// NewReceiver prepares to read conn, a bound UDP socket. It sizes the
// socket's receive buffer and enables the kernel drop counter. logger may
// be nil. It returns an error wrapping ErrConfig for a bad configuration or
// key. The Receiver never writes to conn and does not close it.
func NewReceiver(conn *net.UDPConn, cfg ReceiverConfig, logger *slog.Logger) (*Receiver, error) {
	cfg.setDefaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	priv, err := kem.NewPrivateKey(cfg.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("%w: invalid recipient private key: %v", ErrConfig, err)
	}
	r := &Receiver{
		conn: conn, cfg: cfg, log: orDiscard(logger), priv: priv, codec: fec.NewCodec(),
		queue:     newQueue(cfg.QueueBatches, cfg.QueueBytes),
		limbo:     newLimbo(cfg.LimboDatagrams, cfg.LimboBytes, cfg.LimboTTL),
		delivered: newSeqSet(cfg.RememberBatches),
		gaps:      newGapBook(),
		verify:    newBucket(int64(cfg.VerifyRate), cfg.VerifyRate),
		noise:     make(map[Kind]*noisy),
	}
	if r.sock, err = tuneReceive(conn, cfg.SocketBuffer); err != nil {
		r.log.Warn("socket buffer not sized", slog.Any("err", err))
	}
	if r.sock < cfg.SocketBuffer {
		r.log.Warn("socket buffer smaller than requested",
			slog.Int("granted", r.sock), slog.Int("requested", cfg.SocketBuffer))
	}
	if err := r.register(cfg); err != nil {
		return nil, err
	}
	return r, nil
}

// Run reads datagrams and calls h until ctx ends, then returns nil. It
// returns ErrRunning if called more than once, or an error if the socket
// fails (for example, is closed). Bad datagrams never end Run.
func (r *Receiver) Run(ctx context.Context, h Handler) error {
	if h == nil {
		return errors.New("diode receiver needs a handler")
	}
	if !r.started.CompareAndSwap(false, true) {
		return ErrRunning
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.deliver(ctx, h)
	}()
	stop := context.AfterFunc(ctx, func() { r.conn.SetReadDeadline(time.Unix(1, 0)) })
	err := r.read(ctx)
	stop()
	cancel()
	<-done
	r.conn.SetReadDeadline(time.Time{})
	return err
}

// recvSlots is how many datagrams one read takes at most; each has a
// buffer of recvBufLen bytes, the largest UDP payload.
const (
	recvSlots  = 32
	recvBufLen = 1 << 16
)

// read is the socket loop: it takes up to recvSlots datagrams per system
// call and processes them in order. It wakes at least every tick for
// timers.
func (r *Receiver) read(ctx context.Context) error {
	bc, err := newBatchConn(r.conn, recvSlots, true)
	if err != nil {
		return err
	}
	mem := make([]byte, recvSlots*recvBufLen)
	bufs := make([][]byte, recvSlots)
	for i := range bufs {
		bufs[i] = mem[i*recvBufLen : (i+1)*recvBufLen : (i+1)*recvBufLen]
	}
	sizes, segs := make([]int, recvSlots), make([]int, recvSlots)
	next := time.Now().Add(tick)
	r.conn.SetReadDeadline(next)
	for {
		n, drops, hasDrops, err := bc.read(bufs, sizes, segs)
		now := time.Now()
		if ctx.Err() != nil {
			return nil
		}
		var ne net.Error
		switch {
		case err == nil:
			if hasDrops {
				r.c.socketDrops.Store(uint64(drops))
			}
			for i, size := range sizes[:n] {
				if size < 0 {
					r.c.datagrams.Add(1)
					r.malformed(now, "datagram larger than the largest UDP payload")
					continue
				}
				d := bufs[i][:size]
				// A segmented message that arrived whole is cut into its
				// datagrams, each seg bytes but the last.
				for seg := segs[i]; seg > 0 && len(d) > seg; d = d[seg:] {
					r.process(d[:seg], now)
				}
				r.process(d, now)
			}
		case errors.As(err, &ne) && ne.Timeout():
		case errors.Is(err, net.ErrClosed):
			return fmt.Errorf("failed to read datagram: %w", err)
		default:
			r.c.readErrors.Add(1)
			r.log.Debug("read failed", slog.Any("err", err))
		}
		if !now.Before(next) {
			r.housekeep(now)
			next = now.Add(tick)
			r.conn.SetReadDeadline(next)
		}
	}
}

// deliver calls the handler for every queued item until ctx ends.
func (r *Receiver) deliver(ctx context.Context, h Handler) {
	for {
		it, ok := r.queue.pop(ctx)
		if !ok {
			return
		}
		if it.event != nil {
			h.Event(*it.event)
			continue
		}
		start := time.Now()
		h.Batch(it.seq, it.batch)
		r.queue.handlerTime.Add(int64(time.Since(start)))
	}
}

// emit queues an event for the handler and logs it at debug level.
func (r *Receiver) emit(e Event) {
	r.flushGap()
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	r.log.Debug("diode event", slog.String("kind", e.Kind.String()), slog.Uint64("first", e.First),
		slog.Uint64("last", e.Last), slog.Uint64("count", e.Count), slog.String("message", e.Message))
	r.queue.pushEvent(e)
}

// noteNoisy counts a per-datagram problem and emits at most one event per
// kind per EventInterval.
func (r *Receiver) noteNoisy(k Kind, now time.Time, msg string) {
	n := r.noise[k]
	if n == nil {
		n = &noisy{}
		r.noise[k] = n
	}
	if e, ok := n.note(k, now, r.cfg.EventInterval, msg); ok {
		r.emit(e)
	}
}

// housekeep runs the timers.
func (r *Receiver) housekeep(now time.Time) {
	if now.Sub(r.openGapAt) >= gapMerge {
		r.flushGap()
	}
	for k, n := range r.noise {
		if n.count > 0 && now.Sub(n.last) >= r.cfg.EventInterval {
			r.emit(n.flush(k, now))
		}
	}
	if s := r.cur; s != nil {
		r.sessionTimers(s, now)
	} else {
		r.orphanTimer(now)
	}
	r.gaps.expire(now, r.delivered, r.lostEvent)
	r.limbo.expire(now)
	r.c.limboN.Store(int64(r.limbo.len()))
	r.c.limboBytes.Store(int64(r.limbo.bytes))
}

// Stats returns the receiver's counters.
func (r *Receiver) Stats() ReceiverStats {
	c := &r.c
	st := ReceiverStats{
		Session: c.session.Load(), Datagrams: c.datagrams.Load(), WireBytes: c.wireBytes.Load(),
		Malformed: c.malformed.Load(), UnknownType: c.unknownType.Load(),
		AuthFailures: c.authFailures.Load(), UnknownSession: c.unknownSession.Load(),
		StaleSession: c.staleSession.Load(), Announcements: c.announcements.Load(),
		VerifyDropped: c.verifyDropped.Load(), DuplicateShards: c.dupShards.Load(),
		DatagramsLost: c.lost.Load(), GroupsRepaired: c.repaired.Load(),
		Batches: c.batches.Load(), Bytes: c.bytes.Load(), DuplicateBatches: c.dupBatches.Load(),
		Gaps: c.gaps.Load(), TailMissing: c.tail.Load(), GapsFilled: c.filled.Load(),
		Lost: c.lostBatches.Load(), Evicted: c.evicted.Load(), Heartbeats: c.heartbeats.Load(),
		HeartbeatsMissed: c.hbMissed.Load(), SenderRestarts: c.restarts.Load(),
		MemoryBytes: int(c.mem.Load()), LimboDatagrams: int(c.limboN.Load()),
		LimboBytes: int(c.limboBytes.Load()), QueueDrops: c.queueDrops.Load(),
		SocketBuffer: r.sock, SocketDrops: c.socketDrops.Load(),
		FirstData: unixNano(c.firstData.Load()), LastData: unixNano(c.lastData.Load()),
		LastBatch: unixNano(c.lastBatch.Load()),
	}
	st.QueueBatches, st.QueueBytes, st.EventsDropped, st.HandlerTime = r.queue.stats()
	if p := c.report.Load(); p != nil {
		st.Sender = *p
	}
	st.KernelRcvbufErrs, _, _ = udpCounters()
	return st
}

// unixNano turns Unix nanoseconds into a time, 0 into the zero time.
func unixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}
