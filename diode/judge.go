package diode

import (
	"fmt"
	"math"
	"time"

	"bastion/diode/internal/wire"
)

// maxWalk bounds how many sequences one judgement inspects one by one;
// a longer range is reported whole.
const maxWalk = 1 << 16

// gapMerge is how long a gap event waits for an adjacent range.
const gapMerge = 2 * tick

// fresh notes a shard from a batch's first transmission. The sender sends
// batches one after another, so every earlier sequence has been sent in
// full: any of them still incomplete is a gap, flagged at once.
func (r *Receiver) fresh(s *session, seq uint64, now time.Time) {
	if !s.judging {
		s.judging, s.nextJudge, s.floor = true, seq, seq
		return
	}
	if seq > s.nextJudge {
		r.judge(s, s.nextJudge, seq-1, KindGap, now)
		s.nextJudge = seq
	}
}

// heartbeat authenticates and verifies a heartbeat, records the sender's
// report, and judges every batch up to the last one the sender finished:
// what is still missing is the stream's tail.
func (r *Receiver) heartbeat(s *session, h *wire.Header, d []byte, now time.Time) {
	if int(h.BodyLen) < wire.HeartbeatLen+16+1 {
		r.malformed(now, fmt.Sprintf("heartbeat body of %d bytes", h.BodyLen))
		return
	}
	plain, err := r.open(s.aead, h, d, r.hbBuf)
	if err != nil {
		r.authFailed(now, "heartbeat: "+err.Error())
		return
	}
	r.hbBuf = plain[:0]
	r.authenticated(s, h.Counter, now)
	hb, err := wire.ParseHeartbeat(plain)
	if err != nil {
		r.malformed(now, "authenticated "+err.Error())
		return
	}
	msg := heartbeatMessage(s.id, h.Counter, plain[:wire.HeartbeatLen])
	if err := r.cfg.Verifier.Verify(msg, ctxHeartbeat, plain[wire.HeartbeatLen:]); err != nil {
		r.authFailed(now, "heartbeat signature: "+err.Error())
		return
	}
	r.c.heartbeats.Add(1)
	r.c.report.Store(&SenderReport{
		Time: hb.Time, HasBatch: hb.HasBatch, FirstSeq: hb.FirstSeq, LastSeq: hb.LastSeq,
		Batches: hb.Batches, Datagrams: hb.Datagrams, Bytes: hb.Bytes,
		CarouselResends: hb.CarouselResends, CarouselDropped: hb.CarouselDropped,
		SendErrors: hb.SendErrors, KernelSndbufErrs: hb.KernelSndbufErrors,
	})
	s.lastHB = now
	if s.hbMissed {
		s.hbMissed = false
		r.emit(Event{Kind: KindHeartbeatResumed, Time: now, Session: s.id})
	}
	if hb.HasBatch {
		r.judgeHeartbeat(s, hb, now)
	}
	if h.Flags&wire.FlagClosing != 0 && !s.closing {
		r.closed(s, now)
	}
}

// judgeHeartbeat decides every sequence the heartbeat says was sent.
func (r *Receiver) judgeHeartbeat(s *session, hb *wire.Heartbeat, now time.Time) {
	if !s.judging {
		s.judging, s.nextJudge, s.floor = true, hb.FirstSeq, hb.FirstSeq
	}
	if hb.FirstSeq < s.floor {
		r.judge(s, hb.FirstSeq, s.floor-1, KindGap, now)
		s.floor = hb.FirstSeq
	}
	if hb.LastSeq >= s.nextJudge && s.nextJudge != math.MaxUint64 {
		r.judge(s, s.nextJudge, hb.LastSeq, KindTailMissing, now)
		s.nextJudge = hb.LastSeq + 1
		if hb.LastSeq == math.MaxUint64 {
			s.nextJudge = math.MaxUint64
		}
	}
}

// closed handles the sender's closing heartbeat: nothing more will come,
// so partial batches are dropped and reported gaps become final.
func (r *Receiver) closed(s *session, now time.Time) {
	s.closing = true
	for q := range s.batches {
		r.release(s, q)
	}
	r.settle(s.id, now)
	r.emit(Event{Kind: KindSessionClosed, Time: now, Session: s.id})
}

// judge reports every sequence in [from, to] that has not been delivered,
// one event per run of consecutive missing sequences.
func (r *Receiver) judge(s *session, from, to uint64, kind Kind, now time.Time) {
	if to-from >= maxWalk {
		r.report(s, from, to-maxWalk, kind, now, "range too long to inspect")
		from = to - maxWalk + 1
	}
	var first uint64
	inRun := false
	for q := from; ; q++ {
		_, refused := s.refused[q] // already booked when the queue refused it
		missing := !r.delivered.has(q) && !refused
		if p := s.batches[q]; p != nil && missing {
			if p.judged {
				missing = false
			}
			p.judged = true
		}
		switch {
		case missing && !inRun:
			first, inRun = q, true
		case !missing && inRun:
			r.report(s, first, q-1, kind, now, "")
			inRun = false
		}
		if q == to {
			break
		}
	}
	if inRun {
		r.report(s, first, to, kind, now, "")
	}
}

// report raises a gap or tail event for [first, last] and books it for
// the carousel horizon. Adjacent ranges of one kind, each found within
// gapMerge of the previous, become one event: a burst that ends inside a
// batch is one gap, not two. The event goes out gapMerge after the last
// extension at the latest, or before any other event.
func (r *Receiver) report(s *session, first, last uint64, kind Kind, now time.Time, why string) {
	n := last - first + 1
	if kind == KindTailMissing {
		r.c.tail.Add(n)
	} else {
		r.c.gaps.Add(n)
	}
	r.gaps.add(first, last, now.Add(s.horizon))
	if o := r.openGap; o != nil && o.Kind == kind && o.Session == s.id && o.Last+1 == first && o.Message == why {
		o.Last, o.Count = last, o.Count+n
		r.openGapAt = now
		return
	}
	r.flushGap()
	r.openGap = &Event{Kind: kind, Time: now, Session: s.id, First: first, Last: last, Count: n, Message: why}
	r.openGapAt = now
}

// flushGap emits the gap event being gathered, if any.
func (r *Receiver) flushGap() {
	if e := r.openGap; e != nil {
		r.openGap = nil
		r.emit(*e)
	}
}

// lostEvent reports batches the carousel can no longer bring.
func (r *Receiver) lostEvent(first, last, missing uint64) {
	r.c.lostBatches.Add(missing)
	r.emit(Event{Kind: KindLost, Time: time.Now(), Session: r.c.session.Load(),
		First: first, Last: last, Count: missing})
}
