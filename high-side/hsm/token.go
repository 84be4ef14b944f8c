package hsm

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
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
	// StateQuarantined tokens hold keys that differ from their peers'. They
	// are never used nor probed again by this pool; an operator has to
	// repair the token and restart the process.
	StateQuarantined
)

// String returns "UP", "PROBATION", "DOWN" or "QUARANTINED".
func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return "UNKNOWN"
	}
	return stateNames[s]
}

var stateNames = [...]string{"UP", "PROBATION", "DOWN", "QUARANTINED"}

// token is one PKCS#11 token of the pool with its sessions and handles.
//
// Sessions: one keeper session, opened and logged in by connect, stays
// open while the token is in service, so the token stays logged in when
// every worker session closes (REPLAY H3, H5: PKCS#11 v2.40 §5.6 logs a
// token out when its last session closes). Worker sessions are bounded by
// Config.MaxSessions; see sessions.go.
type token struct {
	serial string // CK_TOKEN_INFO.serialNumber; selects the token
	label  string // for logs and status only (the serial when unlabelled)
	pin    string
	mod    module
	cfg    *Config
	log    *slog.Logger

	inFlight atomic.Int64  // requests running or waiting on this token
	served   atomic.Uint64 // requests that succeeded on this token
	slots    chan struct{} // one element per open worker session
	createMu sync.Mutex    // serialises key creation (REPLAY H6)

	mu        sync.Mutex
	state     State
	reason    string // why the token is QUARANTINED
	slot      uint
	gen       uint64               // connect count; older sessions are never reused
	keeper    pkcs11.SessionHandle // logged-in session kept open (REPLAY H3)
	hasKeeper bool
	idle      []idleSession
	handles   map[string]pkcs11.ObjectHandle // by class/CKA_ID, valid for one login
	inv       *inventory                     // read at the last connect
	backoff   time.Duration
	nextProbe time.Time
	successes int
	lastErr   Class
}

// newToken returns a token that is not connected yet.
func newToken(tc TokenConfig, pin string, mod module, cfg *Config, log *slog.Logger) *token {
	return &token{serial: tc.Serial, label: tc.displayLabel(), pin: pin, mod: mod, cfg: cfg,
		log: log, slots: make(chan struct{}, cfg.MaxSessions)}
}

// connectLocked finds the token's slot by serial number, opens a new keeper session, logs
// in, reads the token's inventory and only then closes the previous
// sessions, so the token is never left without a session while it is
// reconnected (REPLAY H5). Cached handles are forgotten. The caller holds
// t.mu.
func (t *token) connectLocked() error {
	slot, err := findSlot(t.mod, t.serial, t.label)
	if err != nil {
		return err
	}
	sh, err := t.mod.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		return fmt.Errorf("failed to open keeper session on %q: %w", t.label, err)
	}
	err = t.mod.Login(sh, pkcs11.CKU_USER, t.pin)
	if err != nil && err != pkcs11.Error(pkcs11.CKR_USER_ALREADY_LOGGED_IN) {
		t.mod.CloseSession(sh)
		return fmt.Errorf("failed to log in to %q: %w", t.label, err)
	}
	inv, err := readInventory(t.mod, sh, t.cfg.kekID())
	if err != nil {
		t.mod.CloseSession(sh)
		return fmt.Errorf("failed to read the keys of %q: %w", t.label, err)
	}
	t.forgetReusedLocked(sh)
	t.dropSessionsLocked()
	t.slot, t.gen, t.inv = slot, t.gen+1, inv
	t.keeper, t.hasKeeper = sh, true
	t.handles = map[string]pkcs11.ObjectHandle{}
	return nil
}

// forgetReusedLocked forgets, without closing, the old keeper and idle
// sessions whose handle is sh, the new keeper's: sessions closed behind
// the pool's back (C_CloseAllSessions, a token removed) free their
// numbers, and SoftHSM hands them out again, so closing the "old" session
// would close the new keeper and log the token out. The caller holds t.mu.
func (t *token) forgetReusedLocked(sh pkcs11.SessionHandle) {
	if t.hasKeeper && t.keeper == sh {
		t.hasKeeper = false
	}
	t.idle = slices.DeleteFunc(t.idle, func(s idleSession) bool { return s.sh == sh })
}

// dropSessionsLocked forgets the keeper, the idle sessions and the cached
// handles of the token, closing those that still work. Sessions in use by
// requests are closed when they are released. The caller holds t.mu.
func (t *token) dropSessionsLocked() {
	t.closeIdleLocked(0)
	if t.hasKeeper {
		t.mod.CloseSession(t.keeper)
		t.hasKeeper = false
	}
	t.gen++
	t.handles = nil
}

// keepAlive confirms that the keeper session exists and is logged in,
// reconnecting the token when it is not (a login lost behind the pool's
// back). It returns the reconnection error, if any.
func (t *token) keepAlive() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hasKeeper {
		info, err := t.mod.GetSessionInfo(t.keeper)
		if err == nil && info.State == pkcs11.CKS_RW_USER_FUNCTIONS {
			return nil
		}
	}
	return t.connectLocked()
}

// findSlot returns the slot of the initialised token whose serial number
// is serial, wherever the library lists it: slot numbers and their order
// may change from one C_Initialize to the next. When the token is absent
// and another stands where it was expected (a token labelled label, or
// the only token of a library instance), the error wraps ErrWrongToken
// and names the serial expected and the one found. Both are device-class.
func findSlot(mod module, serial, label string) (uint, error) {
	slots, err := mod.GetSlotList(true)
	if err != nil {
		return 0, fmt.Errorf("failed to list slots: %w", err)
	}
	var others []pkcs11.TokenInfo
	for _, s := range slots {
		ti, err := mod.GetTokenInfo(s)
		if err != nil || ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0 {
			continue
		}
		if ti.SerialNumber == serial {
			return s, nil
		}
		others = append(others, ti)
	}
	return 0, classedError{ClassDevice, absentToken(serial, label, others)}
}

// absentToken explains why no token with serial was found among others.
func absentToken(serial, label string, others []pkcs11.TokenInfo) error {
	for _, ti := range others {
		if label != "" && ti.Label == label {
			return fmt.Errorf("%w: token labelled %q has serial %q, want serial %q",
				ErrWrongToken, label, ti.SerialNumber, serial)
		}
	}
	if len(others) == 1 {
		return fmt.Errorf("%w: the library's only token has serial %q (label %q), want serial %q",
			ErrWrongToken, others[0].SerialNumber, others[0].Label, serial)
	}
	return fmt.Errorf("token with serial %q not present (%d other tokens are)", serial, len(others))
}

// handle returns the object of class with CKA_ID id, cached until the
// next login. It returns ErrKeyNotFound when the token has none, and a
// login-class error when the session cannot see private objects because
// the token logged out behind the pool's back (the pool then logs in
// again and looks once more).
func (t *token) handle(sh pkcs11.SessionHandle, class uint, id []byte) (pkcs11.ObjectHandle, error) {
	key := fmt.Sprintf("%d/%x", class, id)
	t.mu.Lock()
	h, ok := t.handles[key]
	t.mu.Unlock()
	if ok {
		return h, nil
	}
	h, err := findObject(t.mod, sh, class, id)
	if errors.Is(err, ErrKeyNotFound) && !loggedIn(t.mod, sh) {
		return 0, fmt.Errorf("looking for CKA_ID %x: %w", id, pkcs11.Error(pkcs11.CKR_USER_NOT_LOGGED_IN))
	}
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

// loggedIn reports whether session sh is in a user state (PKCS#11 v2.40
// §5.6: CKS_RO_USER_FUNCTIONS or CKS_RW_USER_FUNCTIONS).
func loggedIn(mod module, sh pkcs11.SessionHandle) bool {
	info, err := mod.GetSessionInfo(sh)
	return err == nil && (info.State == pkcs11.CKS_RW_USER_FUNCTIONS || info.State == pkcs11.CKS_RO_USER_FUNCTIONS)
}

// findObject returns the one object of class whose CKA_ID is id visible
// to sh. Labels play no part: two objects may share a label, never an id.
func findObject(mod module, sh pkcs11.SessionHandle, class uint, id []byte) (pkcs11.ObjectHandle, error) {
	tmpl := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, class),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
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
		return 0, classedError{ClassCaller, fmt.Errorf("%w: class %d, CKA_ID %x", ErrKeyNotFound, class, id)}
	case len(objs) > 1:
		return 0, classedError{ClassCaller, fmt.Errorf("more than one object of class %d with CKA_ID %x", class, id)}
	}
	return objs[0], nil
}
