package diode

import (
	"bytes"
	"crypto/cipher"
	"errors"
	"fmt"
	"time"

	"bastion/diode/internal/wire"
)

// process handles one datagram. Nothing in it is trusted until the AEAD or
// the announcement signature has checked it; before that, the only state
// it can touch is a counter or the bounded limbo.
func (r *Receiver) process(d []byte, now time.Time) {
	r.c.datagrams.Add(1)
	r.c.wireBytes.Add(uint64(len(d)))
	h, err := wire.ParseHeader(d)
	switch {
	case errors.Is(err, wire.ErrType):
		r.c.unknownType.Add(1)
		r.noteNoisy(KindUnknownType, now, err.Error())
		return
	case err != nil:
		r.malformed(now, err.Error())
		return
	}
	if h.Type == wire.TypeAnnounce {
		r.announce(&h, d, now)
		return
	}
	s := r.cur
	if s == nil || s.id != h.Session {
		if r.isRetired(h.Session) {
			r.c.staleSession.Add(1)
			return
		}
		r.c.unknownSession.Add(1)
		r.orphan.heard(h.Session, now)
		r.limbo.add(h.Session, d, now)
		return
	}
	if h.Type == wire.TypeShard {
		r.shard(s, &h, d, now)
	} else {
		r.heartbeat(s, &h, d, now)
	}
}

func (r *Receiver) malformed(now time.Time, msg string) {
	r.c.malformed.Add(1)
	r.noteNoisy(KindMalformed, now, msg)
}

func (r *Receiver) authFailed(now time.Time, msg string) {
	r.c.authFailures.Add(1)
	r.noteNoisy(KindAuthFailure, now, msg)
}

// open authenticates and decrypts a sealed datagram into dst. The nonce
// lives in the Receiver so that no datagram allocates one.
func (r *Receiver) open(a cipher.AEAD, h *wire.Header, d, dst []byte) ([]byte, error) {
	wire.Nonce(&r.nonce, h.Type, h.Counter)
	return a.Open(dst[:0], r.nonce[:], d[wire.HeaderLen:], d[:wire.HeaderLen])
}

// announce handles an announcement. Cheap checks come first; a signature
// is verified only for a new, newer session of our link, at most
// VerifyRate times a second.
func (r *Receiver) announce(h *wire.Header, d []byte, now time.Time) {
	body := d[wire.HeaderLen:]
	a, n, err := wire.ParseAnnounce(body)
	if err != nil {
		r.malformed(now, err.Error())
		return
	}
	sig := body[n:]
	switch s := r.cur; {
	case len(sig) == 0:
		r.malformed(now, "announcement without signature")
	case a.Session != h.Session:
		r.malformed(now, "announcement session differs from header")
	case s != nil && s.id == a.Session:
		if !bytes.Equal(s.raw, d) {
			r.malformed(now, "conflicting announcement for the current session")
		}
	case a.Link != r.cfg.Link:
		r.malformed(now, fmt.Sprintf("announcement for link %q", a.Link))
	case r.isRetired(a.Session), s != nil && !a.Start.After(s.ann.Start):
		r.c.staleSession.Add(1)
	case !r.verify.allow(1):
		r.c.verifyDropped.Add(1)
	default:
		r.admit(a, body[:n], sig, d, now)
	}
}

// admit verifies a new announcement and, if it holds, makes its session
// current.
func (r *Receiver) admit(a *wire.Announce, signed, sig, raw []byte, now time.Time) {
	if err := r.cfg.Verifier.Verify(signed, ctxAnnounce, sig); err != nil {
		r.authFailed(now, "announcement signature: "+err.Error())
		return
	}
	if a.KEM != kem.ID() || a.KDF != suiteKDF.ID() || a.AEAD != suiteAEAD.ID() {
		r.malformed(now, fmt.Sprintf("unsupported HPKE suite %04x/%04x/%04x", a.KEM, a.KDF, a.AEAD))
		return
	}
	aead, err := openReceiverKey(r.priv, a.Enc, a.Link, a.Session)
	if err != nil {
		r.authFailed(now, err.Error())
		return
	}
	r.c.announcements.Add(1)
	s := newSession(a, aead, raw, now, r.cfg.MaxBatch)
	if old := r.cur; old != nil {
		r.endSession(old, now, "sender restarted")
		r.c.restarts.Add(1)
		r.emit(Event{Kind: KindSenderRestart, Time: now, Session: s.id,
			Message: fmt.Sprintf("session %016x replaced %016x", s.id, old.id)})
	} else {
		r.emit(Event{Kind: KindSessionStarted, Time: now, Session: s.id,
			Message: fmt.Sprintf("sender started %s", a.Start.Format(time.RFC3339Nano))})
	}
	r.cur = s
	r.c.session.Store(s.id)
	if r.orphan.id == s.id {
		r.orphan = orphan{}
	}
	// Deduplication is per session: a new session (a restarted sender or a
	// new leader resending its recent batches) is delivered again, and the
	// consumer, which knows what it has made durable, drops what it holds.
	// Otherwise a batch refused downstream could never be replaced.
	r.delivered = newSeqSet(r.cfg.RememberBatches)
	if r.freeSize != s.shardSize {
		r.free, r.freeSize = nil, s.shardSize
	}
	for _, d := range r.limbo.take(s.id) {
		r.process(d, now)
	}
}

// isRetired reports whether id belongs to a session that ended.
func (r *Receiver) isRetired(id uint64) bool {
	for _, x := range r.retired {
		if x == id {
			return true
		}
	}
	return false
}

func (r *Receiver) retire(id uint64) {
	r.retired[r.retiredAt%len(r.retired)] = id
	r.retiredAt++
}

// getShard returns a buffer for one shard of the current session.
func (r *Receiver) getShard() []byte {
	if n := len(r.free); n > 0 {
		b := r.free[n-1]
		r.free = r.free[:n-1]
		return b
	}
	return make([]byte, r.freeSize)
}

// putShard keeps b for reuse, up to 4096 buffers. A shard decrypted in
// its batch's place (r.inPlace) belongs to the batch and is not kept.
func (r *Receiver) putShard(b []byte) {
	if len(b) > 0 && len(r.inPlace) > 0 && &b[0] == &r.inPlace[0] {
		return
	}
	if cap(b) >= r.freeSize && len(r.free) < 4096 {
		r.free = append(r.free, b[:r.freeSize])
	}
}
