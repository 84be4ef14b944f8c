package hsm

import (
	"context"
	"time"

	"github.com/miekg/pkcs11"
)

// Check maintains every token: for UP and PROBATION tokens it confirms
// the keeper session is logged in (re-logging in if not) and closes worker
// sessions idle past IdleTimeout; DOWN tokens whose back-off has passed
// are reconnected, cross-checked and moved to PROBATION; PROBATION tokens
// that answer move towards UP. QUARANTINED tokens are left alone. It
// returns the number of tokens UP afterwards. The health loop calls it;
// tests call it directly.
func (p *Pool) Check(ctx context.Context) int {
	now := time.Now()
	for _, t := range p.tokens {
		t.mu.Lock()
		state, due := t.state, !now.Before(t.nextProbe)
		t.mu.Unlock()
		if state == StateQuarantined || (state == StateDown && !due) {
			continue
		}
		err := p.checkToken(ctx, t, state)
		switch {
		case err != nil:
			t.markDown(ctx, Classify(err), err)
		case state != StateUp:
			t.succeeded(ctx)
		}
	}
	up := 0
	for _, s := range p.Status() {
		if s.State == StateUp {
			up++
		}
	}
	return up
}

// checkToken reconnects t if it is DOWN, keeps its keeper session alive
// and confirms that a worker session is logged in.
func (p *Pool) checkToken(ctx context.Context, t *token, state State) error {
	if state == StateDown {
		if err := p.reconnect(ctx, t); err != nil {
			return err
		}
	}
	if err := t.keepAlive(); err != nil {
		return err
	}
	if err := p.admit(ctx, t); err != nil {
		return err
	}
	err := p.once(ctx, t, func(t *token, sh pkcs11.SessionHandle) error {
		info, err := t.mod.GetSessionInfo(sh)
		if err == nil && info.State != pkcs11.CKS_RW_USER_FUNCTIONS {
			err = pkcs11.Error(pkcs11.CKR_USER_NOT_LOGGED_IN)
		}
		return err
	})
	t.mu.Lock()
	t.closeIdleLocked(p.cfg.IdleTimeout)
	t.mu.Unlock()
	return err
}

func (p *Pool) healthLoop(every time.Duration) {
	defer close(p.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
			p.Check(context.Background())
		}
	}
}

// TokenStatus is a snapshot of one token's health.
type TokenStatus struct {
	Label     string // for display; the serial when the token has no label
	Serial    string // CK_TOKEN_INFO.serialNumber, which selects the token
	State     State
	InFlight  int64  // requests running or waiting for a session
	Served    uint64 // requests that succeeded on this token since Open
	Busy      int    // worker sessions lent to requests
	Idle      int    // worker sessions waiting for reuse
	LastError Class
	RetryAt   time.Time // zero unless DOWN
	Reason    string    // why the token is QUARANTINED
	KEKCheck  string    // hex check value of the token's KEK at its last connect
}

// Status returns a snapshot of every token, in configuration order.
func (p *Pool) Status() []TokenStatus {
	out := make([]TokenStatus, 0, len(p.tokens))
	for _, t := range p.tokens {
		busy, idle := t.openSessions()
		t.mu.Lock()
		s := TokenStatus{Label: t.label, Serial: t.serial, State: t.state, InFlight: t.inFlight.Load(),
			Served: t.served.Load(), Busy: busy, Idle: idle, LastError: t.lastErr, Reason: t.reason}
		if t.state == StateDown {
			s.RetryAt = t.nextProbe
		}
		if t.inv != nil {
			s.KEKCheck = t.inv.kekCheck
		}
		t.mu.Unlock()
		out = append(out, s)
	}
	return out
}
