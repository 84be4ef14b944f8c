package hsm

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/miekg/pkcs11"
)

// Pool spreads requests over N PKCS#11 tokens that hold the same keys. A
// request goes to the UP token with the fewest requests in flight; a token
// that fails with a device error is marked DOWN and the request moves to
// the next token. Session and login failures are repaired on the same token
// first. Pool is safe for concurrent use.
type Pool struct {
	cfg    Config
	log    *slog.Logger
	tokens []*token

	mu     sync.Mutex
	closed bool
	stop   chan struct{}
	done   chan struct{}
}

// Open loads cfg.Module (once per process; see loadModule), reads every
// PIN and logs in to every token it can. Tokens that fail start DOWN; Open
// fails only when none is usable or a PIN file is unusable. logger may be
// nil for silence.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*Pool, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctxMod, err := loadModule(cfg.Module)
	if err != nil {
		return nil, err
	}
	var mod module = ctxMod
	if cfg.wrap != nil {
		mod = cfg.wrap(mod)
	}

	p := &Pool{cfg: cfg, log: logger}
	for _, tc := range cfg.Tokens {
		pin, err := readPIN(tc)
		if err != nil {
			return nil, err
		}
		p.tokens = append(p.tokens, &token{label: tc.Label, pin: pin, mod: mod, cfg: &p.cfg, log: logger})
	}

	// Connect every token; one that fails starts DOWN.
	up := 0
	for _, t := range p.tokens {
		t.mu.Lock()
		err := t.connectLocked()
		t.mu.Unlock()
		if err != nil {
			t.markDown(ctx, Classify(err), err)
			continue
		}
		up++
	}
	if up == 0 {
		return nil, fmt.Errorf("%w: none of %d tokens could be opened", ErrNoToken, len(p.tokens))
	}
	if cfg.HealthInterval > 0 {
		p.stop, p.done = make(chan struct{}), make(chan struct{})
		go p.healthLoop(p.cfg.HealthInterval)
	}
	return p, nil
}

// Close stops the health loop and closes every session. It never calls
// C_Finalize nor unloads the library (REPLAY H11): other pools of the
// process may share it, and finalising SoftHSM at exit can crash the
// process. Close is idempotent.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	if p.stop != nil {
		close(p.stop)
		<-p.done
	}
	for _, t := range p.tokens {
		t.mu.Lock()
		t.dropSessionsLocked()
		t.mu.Unlock()
	}
	return nil
}

// op is one request against one token, given a session of that token.
type op func(t *token, sh pkcs11.SessionHandle) error

// do runs fn on the best token and handles failures by class: session
// errors get a fresh session, login errors a new login, both on the same
// token once; device errors mark the token DOWN and move to the next;
// authentication, caller and credential errors are returned at once.
func (p *Pool) do(ctx context.Context, fn op) error {
	if p.isClosed() {
		return ErrClosed
	}
	tried := map[*token]bool{}
	var last error
	for range len(p.tokens) {
		t := p.pick(tried)
		if t == nil {
			break
		}
		tried[t] = true
		err := p.doOn(ctx, t, fn)
		switch c := Classify(err); c {
		case ClassNone:
			t.succeeded(ctx)
			return nil
		case ClassDevice, ClassSession, ClassLogin, ClassCredentials:
			t.markDown(ctx, c, err)
			last = err
		default:
			return err
		}
	}
	if last == nil {
		return ErrNoToken
	}
	return fmt.Errorf("%w: last error: %w", ErrNoToken, last)
}

// doOn runs fn on t, repairing a session failure and a login failure in
// place.
func (p *Pool) doOn(ctx context.Context, t *token, fn op) error {
	t.inFlight.Add(1)
	defer t.inFlight.Add(-1)
	if t.isDown() {
		if err := t.probe(ctx); err != nil {
			return err
		}
	}
	// A broken session is usually followed by a lost login (SoftHSM logs a
	// token out when its last session closes), so each is repaired once.
	var err error
	var session, login bool
	for {
		err = p.once(t, fn)
		switch c := Classify(err); {
		case c == ClassSession && !session:
			session = true // the broken session was evicted; use a fresh one
		case c == ClassLogin && !login:
			login = true
			if rerr := t.relogin(); rerr != nil {
				return rerr
			}
		default:
			return err
		}
	}
}

// once runs fn on a session of t, evicting the session if it broke.
func (p *Pool) once(t *token, fn op) error {
	sh, err := t.session()
	if err != nil {
		return err
	}
	err = fn(t, sh)
	c := Classify(err)
	t.release(sh, c != ClassSession && c != ClassDevice)
	if c == ClassSession {
		t.dropIdle() // its siblings are most likely dead too, and handles get reused
	}
	return err
}

// pick returns the usable token not in tried with the fewest requests in
// flight, preferring UP tokens over PROBATION and due-for-probe ones.
func (p *Pool) pick(tried map[*token]bool) *token {
	now := time.Now()
	var best *token
	bestUp := false
	var bestLoad int64
	for _, t := range p.tokens {
		if tried[t] {
			continue
		}
		ok, up := t.usable(now)
		if !ok {
			continue
		}
		load := t.inFlight.Load()
		if best == nil || (up && !bestUp) || (up == bestUp && load < bestLoad) {
			best, bestUp, bestLoad = t, up, load
		}
	}
	return best
}

func (p *Pool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// Check probes every DOWN token whose back-off has passed and every
// PROBATION token, moving them towards UP. It returns the number of tokens
// UP afterwards. The health loop calls it; tests call it directly.
func (p *Pool) Check(ctx context.Context) int {
	now := time.Now()
	for _, t := range p.tokens {
		t.mu.Lock()
		state, due := t.state, !now.Before(t.nextProbe)
		t.mu.Unlock()
		if state == StateUp || (state == StateDown && !due) {
			continue
		}
		if err := p.checkToken(ctx, t); err != nil {
			t.markDown(ctx, Classify(err), err)
			continue
		}
		t.succeeded(ctx)
	}
	up := 0
	for _, s := range p.Status() {
		if s.State == StateUp {
			up++
		}
	}
	return up
}

// checkToken reconnects t if it is DOWN and confirms it answers.
func (p *Pool) checkToken(ctx context.Context, t *token) error {
	t.mu.Lock()
	down := t.state == StateDown
	t.mu.Unlock()
	if down {
		if err := t.probe(ctx); err != nil {
			return err
		}
	}
	return p.once(t, func(t *token, sh pkcs11.SessionHandle) error {
		info, err := t.mod.GetSessionInfo(sh)
		if err == nil && info.State != pkcs11.CKS_RW_USER_FUNCTIONS {
			err = pkcs11.Error(pkcs11.CKR_USER_NOT_LOGGED_IN)
		}
		return err
	})
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
	Label     string
	State     State
	InFlight  int64
	LastError Class
	RetryAt   time.Time // zero unless DOWN
}

// Status returns a snapshot of every token, in configuration order.
func (p *Pool) Status() []TokenStatus {
	out := make([]TokenStatus, 0, len(p.tokens))
	for _, t := range p.tokens {
		t.mu.Lock()
		s := TokenStatus{Label: t.label, State: t.state, InFlight: t.inFlight.Load(), LastError: t.lastErr}
		if t.state == StateDown {
			s.RetryAt = t.nextProbe
		}
		t.mu.Unlock()
		out = append(out, s)
	}
	return out
}
