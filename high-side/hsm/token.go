package hsm

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/pkcs11"
)

// State is the health of one token as the pool sees it.
type State int

const (
	// StateUp tokens take requests.
	StateUp State = iota
	// StateProbation tokens recovered recently; they take requests only
	// when no token is UP, and return to UP after ProbationSuccesses
	// consecutive successes.
	StateProbation
	// StateDown tokens failed; they are probed again after a back-off.
	StateDown
)

// String returns "UP", "PROBATION" or "DOWN".
func (s State) String() string {
	return [...]string{"UP", "PROBATION", "DOWN"}[s]
}

// token is one PKCS#11 token of the pool with its sessions and handles.
type token struct {
	label string
	pin   string
	mod   module
	cfg   *Config
	log   *slog.Logger

	inFlight atomic.Int64 // requests running on this token
	createMu sync.Mutex   // serialises key creation (REPLAY H6)

	mu        sync.Mutex
	state     State
	slot      uint
	keeper    pkcs11.SessionHandle // logged-in session kept open (REPLAY H3)
	hasKeeper bool
	idle      []pkcs11.SessionHandle
	handles   map[string]pkcs11.ObjectHandle // by class/label, valid for one login
	backoff   time.Duration
	nextProbe time.Time
	successes int
	lastErr   Class
}

// connect finds the token's slot, opens the keeper session and logs in.
// The caller holds t.mu.
func (t *token) connectLocked() error {
	slot, err := findSlot(t.mod, t.label)
	if err != nil {
		return err
	}
	t.dropSessionsLocked()
	t.slot = slot
	sh, err := t.mod.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		return fmt.Errorf("failed to open keeper session on %q: %w", t.label, err)
	}
	err = t.mod.Login(sh, pkcs11.CKU_USER, t.pin)
	if err != nil && err != pkcs11.Error(pkcs11.CKR_USER_ALREADY_LOGGED_IN) {
		t.mod.CloseSession(sh)
		return fmt.Errorf("failed to log in to %q: %w", t.label, err)
	}
	t.keeper, t.hasKeeper = sh, true
	t.handles = map[string]pkcs11.ObjectHandle{}
	return nil
}

// dropSessionsLocked forgets every session and handle of the token,
// closing those that still work. The caller holds t.mu.
func (t *token) dropSessionsLocked() {
	for _, sh := range t.idle {
		t.mod.CloseSession(sh)
	}
	t.idle = nil
	if t.hasKeeper {
		t.mod.CloseSession(t.keeper)
		t.hasKeeper = false
	}
	t.handles = nil
}

// dropIdle closes and forgets the idle sessions.
func (t *token) dropIdle() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, sh := range t.idle {
		t.mod.CloseSession(sh)
	}
	t.idle = nil
}

// findSlot returns the slot whose token has label.
func findSlot(mod module, label string) (uint, error) {
	slots, err := mod.GetSlotList(true)
	if err != nil {
		return 0, fmt.Errorf("failed to list slots: %w", err)
	}
	for _, s := range slots {
		ti, err := mod.GetTokenInfo(s)
		if err == nil && ti.Label == label && ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0 {
			return s, nil
		}
	}
	return 0, classedError{ClassDevice, fmt.Errorf("token %q not present", label)}
}

// session returns an idle session or opens a new one.
func (t *token) session() (pkcs11.SessionHandle, error) {
	t.mu.Lock()
	if n := len(t.idle); n > 0 {
		sh := t.idle[n-1]
		t.idle = t.idle[:n-1]
		t.mu.Unlock()
		return sh, nil
	}
	slot := t.slot
	t.mu.Unlock()
	return t.mod.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
}

// release returns a healthy session to the idle list, or closes it.
func (t *token) release(sh pkcs11.SessionHandle, healthy bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if healthy && len(t.idle) < t.cfg.MaxIdleSessions {
		t.idle = append(t.idle, sh)
		return
	}
	t.mod.CloseSession(sh)
}

// handle returns the object of class with label, cached until the next
// login. It returns ErrKeyNotFound when the token has none.
func (t *token) handle(sh pkcs11.SessionHandle, class uint, label string) (pkcs11.ObjectHandle, error) {
	key := fmt.Sprintf("%d/%s", class, label)
	t.mu.Lock()
	h, ok := t.handles[key]
	t.mu.Unlock()
	if ok {
		return h, nil
	}
	h, err := findObject(t.mod, sh, class, label)
	if err != nil {
		return 0, err
	}
	t.mu.Lock()
	if t.handles != nil {
		t.handles[key] = h
	}
	t.mu.Unlock()
	return h, nil
}

// findObject returns the one object of class with label visible to sh.
func findObject(mod module, sh pkcs11.SessionHandle, class uint, label string) (pkcs11.ObjectHandle, error) {
	tmpl := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, class),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
	}
	if err := mod.FindObjectsInit(sh, tmpl); err != nil {
		return 0, err
	}
	objs, _, err := mod.FindObjects(sh, 2)
	if ferr := mod.FindObjectsFinal(sh); err == nil {
		err = ferr
	}
	switch {
	case err != nil:
		return 0, err
	case len(objs) == 0:
		return 0, classedError{ClassCaller, fmt.Errorf("%w: %q", ErrKeyNotFound, label)}
	case len(objs) > 1:
		return 0, classedError{ClassCaller, fmt.Errorf("more than one object labelled %q", label)}
	}
	return objs[0], nil
}

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
	}
	return !now.Before(t.nextProbe), false
}

// isDown reports whether the token is DOWN.
func (t *token) isDown() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.state == StateDown
}

// markDown takes the token out of service after a failure of class c.
func (t *token) markDown(ctx context.Context, c Class, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state == StateDown {
		t.backoff = min(2*t.backoff, t.cfg.BackoffMax)
	} else {
		t.backoff = t.cfg.BackoffMin
	}
	if c == ClassCredentials {
		t.backoff = t.cfg.BackoffMax // never hammer a PIN towards lock-out
	}
	t.state, t.successes, t.lastErr = StateDown, 0, c
	t.nextProbe = time.Now().Add(t.backoff)
	t.dropSessionsLocked()
	t.log.WarnContext(ctx, "hsm token down", slog.String("token", t.label),
		slog.String("class", c.String()), slog.String("error", err.Error()),
		slog.Duration("retry_in", t.backoff))
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
		t.log.InfoContext(ctx, "hsm token up", slog.String("token", t.label))
	}
}

// probe reconnects a DOWN token. On success it enters PROBATION.
func (t *token) probe(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.connectLocked(); err != nil {
		return err
	}
	if t.state == StateDown {
		t.state, t.successes = StateProbation, 0
		t.log.InfoContext(ctx, "hsm token on probation", slog.String("token", t.label))
	}
	return nil
}

// relogin replaces the keeper session, logs in again and forgets handles.
func (t *token) relogin() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.connectLocked()
}
