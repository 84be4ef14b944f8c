package diode

import (
	"crypto/cipher"
	"fmt"
	"slices"
	"time"

	"bastion/diode/internal/fec"
	"bastion/diode/internal/wire"
)

// session is the receiver's view of one verified sender session.
type session struct {
	id        uint64
	ann       *wire.Announce
	raw       []byte // the announcement datagram, to recognise repeats
	aead      cipher.AEAD
	shardSize int
	maxBatch  int
	horizon   time.Duration // from first transmission to the last carousel resend, with slack

	started, lastActivity, lastHB time.Time
	hbMissed, closing             bool

	// Loss: authenticated counters span lowCounter to highCounter; the
	// ones never seen in that span are lost (or still on their way, for
	// datagrams reordered on the wire).
	lowCounter, highCounter, seen uint64
	counting                      bool

	// Judging: every sequence below nextJudge has been decided (delivered
	// or reported); floor is the lowest sequence this session covers.
	judging          bool
	nextJudge, floor uint64

	batches map[uint64]*pending
	// refused holds batches rebuilt but refused by a full queue; shards of
	// the same transmission are ignored, a carousel copy tries again.
	refused map[uint64]struct{}
}

// pending is a batch being rebuilt.
type pending struct {
	asm      *fec.Assembly
	deadline time.Time // release after this: no resend can arrive any more
	judged   bool      // already reported missing
}

func newSession(a *wire.Announce, aead cipher.AEAD, raw []byte, now time.Time, maxBatch int) *session {
	horizon := 2*a.Heartbeat + time.Second
	if n := len(a.Carousel); n > 0 {
		horizon += a.Carousel[n-1]
	}
	return &session{
		id: a.Session, ann: a, raw: append([]byte(nil), raw...), aead: aead,
		shardSize: int(a.ShardSize), maxBatch: min(maxBatch, int(a.MaxBatch)), horizon: horizon,
		started: now, lastActivity: now, lastHB: now, batches: make(map[uint64]*pending),
		refused: make(map[uint64]struct{}),
	}
}

// authenticated records a datagram that passed the AEAD: liveness, and
// counters never seen as lost datagrams. Counting starts at the first
// authenticated datagram, so a late joiner does not count what it missed.
// A counter seen twice (a replay) is not subtracted; it is dropped as a
// duplicate shard.
func (r *Receiver) authenticated(s *session, counter uint64, now time.Time) {
	s.lastActivity = now
	if !s.counting {
		s.lowCounter, s.highCounter, s.counting = counter, counter, true
	}
	s.lowCounter, s.highCounter = min(s.lowCounter, counter), max(s.highCounter, counter)
	s.seen++
	r.c.lost.Store(r.c.lostBefore + s.lost())
}

// lost returns the datagrams of s never seen between the lowest and the
// highest counter authenticated.
func (s *session) lost() uint64 {
	span := s.highCounter - s.lowCounter + 1
	if !s.counting || s.seen >= span {
		return 0
	}
	return span - s.seen
}

// shard authenticates one data shard and adds it to its batch.
func (r *Receiver) shard(s *session, h *wire.Header, d []byte, now time.Time) {
	if int(h.BodyLen) != s.shardSize+16 {
		r.malformed(now, fmt.Sprintf("shard body of %d bytes, session uses %d", h.BodyLen, s.shardSize+16))
		return
	}
	dst := r.slot(s, h)
	r.inPlace = dst
	defer func() { r.inPlace = nil }()
	if dst == nil {
		dst = r.getShard()
	}
	plain, err := r.open(s.aead, h, d, dst)
	if err != nil {
		r.putShard(dst)
		r.authFailed(now, "shard: "+err.Error())
		return
	}
	r.authenticated(s, h.Counter, now)
	if h.Flags&wire.FlagCarousel == 0 {
		r.c.firstData.CompareAndSwap(0, now.UnixNano())
		r.c.lastData.Store(now.UnixNano())
	}
	if err := r.addShard(s, h, plain, now); err != nil {
		r.putShard(plain)
		r.malformed(now, fmt.Sprintf("authenticated shard of batch %d: %v", h.Seq, err))
	}
}

// slot returns where a data shard belongs in a batch already being
// rebuilt, so that it is decrypted in place, or nil. The header is not
// authenticated yet: it only picks a free place, which an AEAD failure
// leaves free; nothing is allocated for it.
func (r *Receiver) slot(s *session, h *wire.Header) []byte {
	p := s.batches[h.Seq]
	if p == nil || h.Flags&wire.FlagCarousel == 0 && s.isRefused(h.Seq) {
		return nil
	}
	l := p.asm.Layout()
	if int(h.BatchLen) != l.BatchLen || checkPosition(l, h) != nil {
		return nil
	}
	return p.asm.Slot(int(h.Group), int(h.Index))
}

func (s *session) isRefused(seq uint64) bool {
	_, ok := s.refused[seq]
	return ok
}

// addShard files an authenticated shard. An error means the sender's
// fields disagree with the layout they imply; nothing is changed then.
func (r *Receiver) addShard(s *session, h *wire.Header, plain []byte, now time.Time) error {
	if int(h.BatchLen) > s.maxBatch {
		return fmt.Errorf("claims %d bytes, limit %d", h.BatchLen, s.maxBatch)
	}
	if h.Flags&wire.FlagCarousel == 0 {
		r.fresh(s, h.Seq, now)
	}
	if _, ok := s.refused[h.Seq]; ok && h.Flags&wire.FlagCarousel == 0 {
		r.putShard(plain)
		return nil
	}
	delete(s.refused, h.Seq)
	if r.delivered.has(h.Seq) {
		r.c.dupShards.Add(1)
		r.putShard(plain)
		return nil
	}
	p := s.batches[h.Seq]
	l := fec.Layout{}
	if p != nil {
		l = p.asm.Layout()
	} else {
		var err error
		if l, err = fec.NewLayout(int(h.BatchLen), s.shardSize, s.ann.Parity); err != nil {
			return err
		}
	}
	if err := checkPosition(l, h); err != nil {
		return err
	}
	if p != nil && p.asm.Has(int(h.Group), int(h.Index)) {
		r.c.dupShards.Add(1)
		r.putShard(plain)
		return nil
	}
	need := s.shardSize + 64
	if p == nil {
		need += l.N*s.shardSize + 24*l.Shards()
	}
	r.makeRoom(s, h.Seq, need, now)
	before := 0
	if p == nil {
		p = &pending{asm: fec.NewAssembly(l, r.codec), deadline: now.Add(s.horizon)}
		s.batches[h.Seq] = p
	} else {
		before = p.asm.Bytes()
	}
	kept, err := p.asm.Add(int(h.Group), int(h.Index), plain)
	r.addMem(p.asm.Bytes() - before)
	switch {
	case err != nil && !kept:
		return err
	case err != nil:
		r.malformed(now, fmt.Sprintf("batch %d: %v", h.Seq, err))
		return nil
	case !kept:
		r.putShard(plain) // copied into its place
	}
	if p.asm.Complete() {
		r.complete(s, h.Seq, p, now)
	}
	return nil
}

// checkPosition checks a shard's declared position and group shape against
// the batch layout.
func checkPosition(l fec.Layout, h *wire.Header) error {
	if int(h.BatchLen) != l.BatchLen {
		return fmt.Errorf("claims %d bytes, earlier shards %d", h.BatchLen, l.BatchLen)
	}
	if int(h.Group) >= l.G {
		return fmt.Errorf("group %d of %d", h.Group, l.G)
	}
	k, m, _ := l.Group(int(h.Group))
	if int(h.K) != k || int(h.M) != m || int(h.Index) >= k+m {
		return fmt.Errorf("shard %d of a (%d,%d) group in a (%d,%d) layout", h.Index, h.K, h.M, k, m)
	}
	return nil
}

func (r *Receiver) addMem(delta int) {
	r.mem += delta
	r.c.mem.Store(int64(r.mem))
}

// makeRoom evicts the oldest partial batches other than seq until need
// more bytes fit in MaxMemory. An evicted batch not yet reported is
// reported as a gap.
func (r *Receiver) makeRoom(s *session, seq uint64, need int, now time.Time) {
	for r.mem+need > r.cfg.MaxMemory {
		victim, ok := uint64(0), false
		for q := range s.batches {
			if q != seq && (!ok || q < victim) {
				victim, ok = q, true
			}
		}
		if !ok {
			return
		}
		r.c.evicted.Add(1)
		if p := s.batches[victim]; !p.judged {
			r.report(s, victim, victim, KindGap, now, "evicted: receiver memory budget")
		}
		r.release(s, victim)
	}
}

// release drops a partial batch.
func (r *Receiver) release(s *session, seq uint64) {
	p := s.batches[seq]
	r.addMem(-p.asm.Bytes())
	p.asm.Release(r.putShard)
	delete(s.batches, seq)
}

// maxRefused bounds session.refused.
const maxRefused = 4096

// complete hands a rebuilt batch to the queue and remembers it delivered.
func (r *Receiver) complete(s *session, seq uint64, p *pending, now time.Time) {
	batch, err := p.asm.Batch()
	r.c.repaired.Add(uint64(p.asm.Repaired))
	r.release(s, seq)
	if err != nil {
		return
	}
	if !r.queue.pushBatch(seq, batch) {
		r.c.queueDrops.Add(1)
		if len(s.refused) < maxRefused {
			s.refused[seq] = struct{}{}
		}
		r.gaps.add(seq, seq, now.Add(s.horizon))
		r.noteNoisy(KindQueueOverflow, now, fmt.Sprintf("batch %d dropped: delivery queue full", seq))
		return
	}
	r.delivered.add(seq)
	r.c.lastBatch.Store(now.UnixNano())
	r.c.batches.Add(1)
	r.c.bytes.Add(uint64(len(batch)))
	if r.gaps.fill(seq) {
		r.c.filled.Add(1)
		r.emit(Event{Kind: KindGapFilled, Time: now, Session: s.id, First: seq, Last: seq, Count: 1})
	}
}

// endSession discards the partial batches of s, reporting those not yet
// reported, and retires it.
func (r *Receiver) endSession(s *session, now time.Time, why string) {
	var open []uint64
	for q, p := range s.batches {
		if !p.judged {
			open = append(open, q)
		}
	}
	slices.Sort(open)
	for _, q := range open {
		r.report(s, q, q, KindGap, now, why)
	}
	for q := range s.batches {
		r.release(s, q)
	}
	r.c.lostBefore += s.lost()
	r.retire(s.id)
	r.cur = nil
	r.c.session.Store(0)
}

// sessionTimers expires the session, raises heartbeat misses and releases
// partial batches whose carousel horizon has passed.
func (r *Receiver) sessionTimers(s *session, now time.Time) {
	if now.Sub(s.lastActivity) > r.cfg.SessionTimeout {
		r.expire(s, now)
		return
	}
	limit := time.Duration(r.cfg.HeartbeatMisses) * s.ann.Heartbeat
	if !s.closing && !s.hbMissed && now.Sub(s.lastHB) > limit {
		s.hbMissed = true
		r.c.hbMissed.Add(1)
		r.emit(Event{Kind: KindHeartbeatMissed, Time: now, Session: s.id,
			Message: fmt.Sprintf("no heartbeat for %v", now.Sub(s.lastHB).Round(time.Millisecond))})
	}
	for q, p := range s.batches {
		if now.After(p.deadline) {
			if !p.judged {
				r.report(s, q, q, KindGap, now, "no resend completed it")
			}
			r.release(s, q)
		}
	}
}
