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

// Pool spreads requests over N PKCS#11 tokens that hold the same keys. A
// request goes to the UP token with the fewest requests in flight; a token
// that fails with a device error is marked DOWN and the request moves to
// the next token. Session and login failures are repaired on the same token
// first. A token whose keys differ from its peers' is QUARANTINED and never
// used. Pool is safe for concurrent use.
type Pool struct {
	cfg    Config
	log    *slog.Logger
	tokens []*token
	ref    *inventory    // the inventory every token must hold; set by Open
	next   atomic.Uint64 // where pick starts looking, for round-robin ties

	mu     sync.Mutex
	closed bool
	stop   chan struct{}
	done   chan struct{}
}

// Open loads the PKCS#11 library of every token (once per process; see
// loadModule), reads every PIN, logs in to every token it can and
// cross-checks their keys (crossCheck). Tokens that fail start DOWN;
// tokens that differ start QUARANTINED. Open fails when a library cannot
// be loaded, a PIN file is unusable, or no token is left in service
// (ErrNoToken). logger may be nil for silence.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*Pool, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p := &Pool{cfg: cfg, log: logger}
	if err := p.addTokens(); err != nil {
		return nil, err
	}

	// Connect every token; one that fails starts DOWN.
	for _, t := range p.tokens {
		t.mu.Lock()
		err := t.connectLocked()
		t.mu.Unlock()
		if err != nil {
			t.markDown(ctx, Classify(err), err)
		}
	}
	if n := p.crossCheck(ctx); n == 0 {
		p.Close()
		return nil, fmt.Errorf("%w: none of %d tokens could be opened and agree on their keys",
			ErrNoToken, len(p.tokens))
	}
	if cfg.HealthInterval > 0 {
		p.stop, p.done = make(chan struct{}), make(chan struct{})
		go p.healthLoop(p.cfg.HealthInterval)
	}
	return p, nil
}

// addTokens loads each token's library and reads its PIN. Tokens that
// share a library share one module value, wrapped once for tests.
func (p *Pool) addTokens() error {
	mods := map[string]module{}
	for _, tc := range p.cfg.Tokens {
		path, conf := p.cfg.tokenModule(tc)
		mod, ok := mods[path]
		if !ok {
			c, err := loadModule(path, conf)
			if err != nil {
				return err
			}
			mod = c
			if p.cfg.wrap != nil {
				mod = p.cfg.wrap(mod)
			}
			mods[path] = mod
		}
		pin, err := readPIN(tc)
		if err != nil {
			return err
		}
		tm := mod
		if p.cfg.Interpose != nil {
			tm = p.cfg.Interpose(tc.displayLabel(), mod)
		}
		p.tokens = append(p.tokens, newToken(tc, pin, tm, &p.cfg, p.log))
	}
	return nil
}

// Close stops the health loop and closes every session. It never calls
// C_Finalize nor unloads the library (REPLAY H11): other pools of the
// process may share it, and finalising SoftHSM at exit can crash the
// process. Requests still running finish on their sessions, which are
// closed when released. Close is idempotent.
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
			t.served.Add(1)
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
	if t.currentState() == StateDown {
		if err := p.reconnect(ctx, t); err != nil {
			return err
		}
	}
	// A broken session is usually followed by a lost login (SoftHSM logs a
	// token out when its last session closes), so each is repaired once.
	var err error
	var session, login bool
	for {
		err = p.once(ctx, t, fn)
		switch c := Classify(err); {
		case c == ClassSession && !session:
			session = true // the broken session was evicted; use a fresh one
		case c == ClassLogin && !login:
			login = true
			if rerr := t.relogin(); rerr != nil {
				return rerr
			}
			if aerr := p.admit(ctx, t); aerr != nil {
				return aerr
			}
		default:
			return err
		}
	}
}

// reconnect probes a DOWN token and admits it only if its keys still
// agree with its peers'.
func (p *Pool) reconnect(ctx context.Context, t *token) error {
	if err := t.probe(ctx); err != nil {
		return err
	}
	return p.admit(ctx, t)
}

// once runs fn on a worker session of t, evicting the session if it broke.
func (p *Pool) once(ctx context.Context, t *token, fn op) error {
	ws, err := t.session(ctx)
	if err != nil {
		return err
	}
	err = fn(t, ws.sh)
	c := Classify(err)
	t.release(ws, c != ClassSession && c != ClassDevice)
	if c == ClassSession {
		t.dropIdle() // its siblings are most likely dead too, and handles get reused
	}
	return err
}

// pick returns the usable token not in tried with the fewest requests in
// flight, preferring UP tokens over PROBATION and due-for-probe ones. Ties
// go round-robin, so that sequential requests visit every token.
func (p *Pool) pick(tried map[*token]bool) *token {
	now := time.Now()
	n := len(p.tokens)
	start := int(p.next.Add(1) % uint64(n))
	var best *token
	bestUp := false
	var bestLoad int64
	for i := range n {
		t := p.tokens[(start+i)%n]
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
