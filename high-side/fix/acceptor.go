package fix

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"bastion/high-side/intake"
)

// ErrAcceptorClosed is returned by Serve after Close.
var ErrAcceptorClosed = errors.New("fix acceptor closed")

// AcceptorConfig configures an Acceptor.
type AcceptorConfig struct {
	// CompID is the acceptor's own CompID: the TargetCompID (56) every
	// counterparty must address and the SenderCompID of every reply.
	CompID string
	// Sessions lists the counterparties allowed to log on.
	Sessions []SessionConfig
	// LogonTimeout bounds the wait for the first message, a Logon.
	// Default 10 s.
	LogonTimeout time.Duration
	// SubmitTimeout bounds one call to the Submitter. Default 10 s.
	SubmitTimeout time.Duration
	// RequireCertificate refuses every Logon that does not arrive over TLS
	// with a verified client certificate. A certificate, when present, is
	// always bound to the SenderCompID (see certbind.go); this only decides
	// what happens without one. bastion-node sets it.
	RequireCertificate bool
}

// SessionConfig is one counterparty allowed to log on.
type SessionConfig struct {
	// BeginString is the version the session speaks: FIX42 or FIX44.
	BeginString string
	// SenderCompID is the counterparty's CompID (49 on its messages).
	SenderCompID string
	// Trader is the trader recorded for the session's orders when
	// Traders maps neither the SenderSubID (50) nor the Account (1).
	// When empty, such orders are rejected.
	Trader string
	// Traders maps a SenderSubID (50), or failing that an Account (1),
	// to the trader recorded for an order.
	Traders map[string]string
	// Certificates are the subject CommonNames of the client certificates
	// that may log on as SenderCompID. Empty means only a certificate
	// whose CommonName equals SenderCompID. See certbind.go.
	Certificates []string
}

// Acceptor accepts FIX sessions and submits their orders. Safe for
// concurrent use; one session per SenderCompID may be logged on at once.
type Acceptor struct {
	cfg    AcceptorConfig
	sub    intake.Submitter
	logger *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	sessions map[string]*sessionState
	conns    map[net.Conn]bool
	lns      map[net.Listener]bool
	closed   bool
	wg       sync.WaitGroup
}

// sessionState is what outlives one connection: sequence numbers. Its
// fields are guarded by Acceptor.mu.
type sessionState struct {
	cfg     SessionConfig
	active  bool
	nextIn  int64
	nextOut int64
	// released is closed when the active session is released; a Logon
	// waiting for the CompID to be free waits on it.
	released chan struct{}
}

// NewAcceptor returns an Acceptor submitting orders to sub. A nil logger
// discards logs. Sessions with an invalid CompID or version are dropped
// with an Error log; see ValidateConfig to check a configuration first.
func NewAcceptor(cfg AcceptorConfig, sub intake.Submitter, logger *slog.Logger) *Acceptor {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.LogonTimeout <= 0 {
		cfg.LogonTimeout = 10 * time.Second
	}
	if cfg.SubmitTimeout <= 0 {
		cfg.SubmitTimeout = 10 * time.Second
	}
	a := &Acceptor{cfg: cfg, sub: sub, logger: logger, sessions: map[string]*sessionState{},
		conns: map[net.Conn]bool{}, lns: map[net.Listener]bool{}}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	for _, s := range cfg.Sessions {
		if err := s.validate(); err != nil {
			logger.Error("fix session dropped", slog.String("sender_comp_id", s.SenderCompID), slog.Any("err", err))
			continue
		}
		a.sessions[s.SenderCompID] = &sessionState{cfg: s, nextIn: 1, nextOut: 1}
	}
	return a
}

// ValidateConfig checks the acceptor's CompID and every session's CompID
// and version, naming the first one that is wrong.
func ValidateConfig(cfg AcceptorConfig) error {
	if !validCompID(cfg.CompID) {
		return fmt.Errorf("malformed acceptor CompID %q", cfg.CompID)
	}
	for _, s := range cfg.Sessions {
		if err := s.validate(); err != nil {
			return err
		}
	}
	return nil
}

func (s SessionConfig) validate() error {
	if !validCompID(s.SenderCompID) {
		return fmt.Errorf("malformed SenderCompID %q", s.SenderCompID)
	}
	if s.BeginString != FIX42 && s.BeginString != FIX44 {
		return fmt.Errorf("session %s: BeginString %q, want %s or %s", s.SenderCompID, s.BeginString, FIX42, FIX44)
	}
	for _, cn := range s.Certificates {
		if cn == "" || len(cn) > 64 {
			return fmt.Errorf("session %s: certificate CommonName %q must be 1 to 64 bytes", s.SenderCompID, cn)
		}
	}
	return nil
}

// validCompID accepts 1 to 64 characters of A-Z, a-z, 0-9, '.', '_', '-'.
// Excluding ':' keeps "fix:SENDER:CLORDID" idempotency keys unambiguous.
func validCompID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Serve accepts connections on ln until Close, serving each in its own
// goroutine. It returns ErrAcceptorClosed after Close, or the listener's
// error.
func (a *Acceptor) Serve(ln net.Listener) error {
	if !a.track(ln, true) {
		return ErrAcceptorClosed
	}
	defer a.track(ln, false)
	for {
		conn, err := ln.Accept()
		if err != nil {
			if a.isClosed() {
				return ErrAcceptorClosed
			}
			return fmt.Errorf("failed to accept FIX connection: %w", err)
		}
		if !a.trackConn(conn, true) {
			conn.Close()
			return ErrAcceptorClosed
		}
		go func() {
			defer a.wg.Done()
			defer a.trackConn(conn, false)
			defer conn.Close()
			a.serveConn(conn)
		}()
	}
}

// Close stops every listener given to Serve, ends every session without
// a Logout and waits for their goroutines.
func (a *Acceptor) Close() {
	a.mu.Lock()
	a.closed = true
	for ln := range a.lns {
		ln.Close()
	}
	for c := range a.conns {
		c.Close()
	}
	a.mu.Unlock()
	a.cancel()
	a.wg.Wait()
}

func (a *Acceptor) isClosed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closed
}

func (a *Acceptor) track(ln net.Listener, add bool) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if add && a.closed {
		return false
	}
	if add {
		a.lns[ln] = true
	} else {
		delete(a.lns, ln)
	}
	return true
}

func (a *Acceptor) trackConn(c net.Conn, add bool) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if add && a.closed {
		return false
	}
	if add {
		a.conns[c] = true
		a.wg.Add(1)
	} else {
		delete(a.conns, c)
	}
	return true
}
