package hsm

import (
	"context"
	"log/slog"
	"time"
)

// usable reports whether the token may take a request now, and whether it
// is UP (as opposed to PROBATION or due for a probe).
func (t *token) usable(now time.Time) (ok, up bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch t.state {
	case StateUp:
		return true, true
	case StateProbation:
		return true, false
	case StateQuarantined:
		return false, false
	}
	return !now.Before(t.nextProbe), false
}

// currentState returns the token's state.
func (t *token) currentState() State {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.state
}

// markDown takes the token out of service after a failure of class c. A
// QUARANTINED token stays so.
func (t *token) markDown(ctx context.Context, c Class, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch t.state {
	case StateQuarantined:
		return
	case StateDown:
		t.backoff = min(2*t.backoff, t.cfg.BackoffMax)
	default:
		t.backoff = t.cfg.BackoffMin
	}
	if c == ClassCredentials {
		t.backoff = t.cfg.BackoffMax // never hammer a PIN towards lock-out
	}
	t.state, t.successes, t.lastErr = StateDown, 0, c
	t.nextProbe = time.Now().Add(t.backoff)
	t.dropSessionsLocked()
	t.log.WarnContext(ctx, "hsm token down", slog.String("token", t.label), slog.String("serial", t.serial),
		slog.String("class", c.String()), slog.String("error", err.Error()),
		slog.Duration("retry_in", t.backoff))
}

// quarantine takes the token out of service for good because its keys
// differ from its peers' (reason says how). It logs once.
func (t *token) quarantine(ctx context.Context, reason string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state == StateQuarantined {
		return
	}
	t.state, t.reason = StateQuarantined, reason
	t.dropSessionsLocked()
	t.log.WarnContext(ctx, "hsm token quarantined", slog.String("token", t.label), slog.String("serial", t.serial),
		slog.String("reason", reason))
}

// succeeded records a successful request or probe.
func (t *token) succeeded(ctx context.Context) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state != StateProbation {
		return
	}
	t.successes++
	if t.successes >= t.cfg.ProbationSuccesses {
		t.state, t.backoff = StateUp, 0
		t.log.InfoContext(ctx, "hsm token up", slog.String("token", t.label), slog.String("serial", t.serial))
	}
}

// probe reconnects a DOWN token. On success it enters PROBATION; the
// caller then checks the token's inventory against its peers'.
func (t *token) probe(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state == StateQuarantined {
		return classedError{ClassDevice, ErrQuarantined}
	}
	if err := t.connectLocked(); err != nil {
		return err
	}
	if t.state == StateDown {
		t.state, t.successes = StateProbation, 0
		t.log.InfoContext(ctx, "hsm token on probation", slog.String("token", t.label), slog.String("serial", t.serial))
	}
	return nil
}

// relogin replaces the keeper session, logs in again and forgets handles.
func (t *token) relogin() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state == StateQuarantined {
		return classedError{ClassDevice, ErrQuarantined}
	}
	return t.connectLocked()
}
