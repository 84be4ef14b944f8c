package diode

import (
	"fmt"
	"time"
)

// A receiver waiting for a transfer (diode recv --once) must learn when a
// session is over, whatever was lost: the end of every session is one of
// the Final events, and what is missing is reported by KindLost events
// before it. Three ends exist: the sender's closing heartbeat (closed),
// silence for SessionTimeout (expire), and datagrams of a session whose
// announcement never verified (orphanTimer).

// settle makes every gap booked for session id final at once: no resend
// can fill it any more, so each is reported as KindLost now, before the
// event that ends the session.
func (r *Receiver) settle(id uint64, now time.Time) {
	r.flushGap()
	r.gaps.finalise()
	r.gaps.expire(now, r.delivered, func(first, last, missing uint64) {
		r.c.lostBatches.Add(missing)
		r.emit(Event{Kind: KindLost, Time: now, Session: id, First: first, Last: last, Count: missing})
	})
}

// expire ends a session silent for SessionTimeout: its partial batches and
// the sequences its heartbeats reported sent but never delivered are
// reported lost, then KindSessionExpired.
func (r *Receiver) expire(s *session, now time.Time) {
	msg := fmt.Sprintf("no authenticated datagram for %v", r.cfg.SessionTimeout)
	var last uint64
	if rep := r.c.report.Load(); rep != nil && rep.HasBatch {
		last = rep.LastSeq
		msg += fmt.Sprintf("; the sender's last heartbeat reported batch %d sent", last)
	} else {
		msg += "; no heartbeat reported a batch sent"
	}
	r.endSession(s, now, "session expired")
	r.settle(s.id, now)
	r.emit(Event{Kind: KindSessionExpired, Time: now, Session: s.id, Last: last, Message: msg})
}

// orphan counts datagrams heard for a session that is not current and
// not retired while no session is current.
type orphan struct {
	id    uint64
	count uint64
	last  time.Time
}

// heard notes one datagram of session id. The latest session heard is the
// one followed.
func (o *orphan) heard(id uint64, now time.Time) {
	if o.id != id {
		*o = orphan{id: id}
	}
	o.count++
	o.last = now
}

// orphanTimer raises KindUnannounced once datagrams of a session were
// heard, no session is current, and nothing of it came for SessionTimeout.
func (r *Receiver) orphanTimer(now time.Time) {
	o := r.orphan
	if o.count == 0 || now.Sub(o.last) <= r.cfg.SessionTimeout {
		return
	}
	r.orphan = orphan{}
	r.emit(Event{Kind: KindUnannounced, Time: now, Session: o.id, Count: o.count,
		Message: fmt.Sprintf("%d datagrams of session %016x heard, but no verified announcement "+
			"within %v of the last (lost, or signed by another key); their data is lost",
			o.count, o.id, r.cfg.SessionTimeout)})
}
