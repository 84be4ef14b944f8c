package hsm

import (
	"context"
	"time"

	"github.com/miekg/pkcs11"
)

// Worker sessions. Each token keeps at most Config.MaxSessions worker
// sessions open at once (t.slots is the bound) and up to MaxIdleSessions
// of them idle for reuse. A session taken before the token reconnected
// belongs to an older generation: it is closed when released, never
// reused, because its handles and login may be gone.

// idleSession is a worker session waiting for reuse.
type idleSession struct {
	sh    pkcs11.SessionHandle
	since time.Time
}

// workerSession is a session lent to one request.
type workerSession struct {
	sh  pkcs11.SessionHandle
	gen uint64
}

// session waits until the token may open another worker session, then
// returns an idle one or opens a new one. It returns ctx.Err() when ctx
// ends first. Every successful call is paired with release.
func (t *token) session(ctx context.Context) (workerSession, error) {
	select {
	case t.slots <- struct{}{}:
	case <-ctx.Done():
		return workerSession{}, ctx.Err()
	}
	t.mu.Lock()
	t.closeIdleLocked(t.cfg.IdleTimeout)
	ws := workerSession{gen: t.gen}
	if n := len(t.idle); n > 0 {
		ws.sh = t.idle[n-1].sh
		t.idle = t.idle[:n-1]
		t.mu.Unlock()
		return ws, nil
	}
	slot := t.slot
	t.mu.Unlock()

	sh, err := t.mod.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		<-t.slots
		return workerSession{}, err
	}
	ws.sh = sh
	return ws, nil
}

// release returns a healthy session of the current generation to the idle
// list, or closes it, and frees its place under MaxSessions.
func (t *token) release(ws workerSession, healthy bool) {
	defer func() { <-t.slots }()
	t.mu.Lock()
	keep := healthy && ws.gen == t.gen && t.hasKeeper && len(t.idle) < t.cfg.MaxIdleSessions
	if keep {
		t.idle = append(t.idle, idleSession{sh: ws.sh, since: time.Now()})
	}
	// A session of an older generation may be dead with its number already
	// given to the new keeper (see forgetReusedLocked); that one stays open.
	reused := t.hasKeeper && ws.sh == t.keeper
	t.mu.Unlock()
	if !keep && !reused {
		t.mod.CloseSession(ws.sh)
	}
}

// dropIdle closes and forgets every idle session.
func (t *token) dropIdle() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closeIdleLocked(0)
}

// closeIdleLocked closes the idle sessions unused for longer than maxIdle,
// or all of them when maxIdle is 0. The idle list is ordered oldest first.
// The caller holds t.mu.
func (t *token) closeIdleLocked(maxIdle time.Duration) {
	cut := len(t.idle)
	if maxIdle > 0 {
		old := time.Now().Add(-maxIdle)
		cut = 0
		for cut < len(t.idle) && t.idle[cut].since.Before(old) {
			cut++
		}
	}
	for _, s := range t.idle[:cut] {
		t.mod.CloseSession(s.sh)
	}
	t.idle = append(t.idle[:0], t.idle[cut:]...)
}

// openSessions returns how many worker sessions are open (busy or idle).
func (t *token) openSessions() (busy, idle int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.slots), len(t.idle)
}
