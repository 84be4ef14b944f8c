package login

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// Config sets up a Gate. Users, RPID and Origins are required.
type Config struct {
	// Users is the users file.
	Users *Store
	// RPID is the WebAuthn relying party ID: the portal's host name
	// ("localhost" on loopback). An IP address is not allowed.
	RPID string
	// Origins are the URLs browsers reach the portal at, such as
	// "https://portal.low.example:8443".
	Origins []string
	// IdleTimeout ends a session unused this long; default
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
	// MaxLifetime ends a session this long after login whatever its
	// use; default DefaultMaxLifetime.
	MaxLifetime time.Duration
	// Throttle limits failed attempts per client address and per name;
	// the zero value means DefaultThrottle.
	Throttle Throttle
	// Logger receives errors nobody else sees; nil discards.
	Logger *slog.Logger
	// AccessLog receives one JSON line per login, failure, registration
	// and logout; nil discards.
	AccessLog io.Writer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Gate is the portal's login middleware and login pages.
type Gate struct {
	cfg      Config
	web      *webauthn.WebAuthn
	sessions *sessions
	codes    codeLedger
	failures *failures
	log      *slog.Logger
	access   *slog.Logger
	mux      *http.ServeMux
}

// New returns a Gate for cfg. It fails when the WebAuthn relying party
// settings are unusable.
func New(cfg Config) (*Gate, error) {
	if cfg.Users == nil {
		return nil, errors.New("login: no users file")
	}
	if net.ParseIP(cfg.RPID) != nil {
		return nil, fmt.Errorf("login: relying party ID %q is an IP address; browsers refuse WebAuthn there, use a host name", cfg.RPID)
	}
	web, err := webauthn.New(&webauthn.Config{
		RPID: cfg.RPID, RPDisplayName: "Bastion portal", RPOrigins: cfg.Origins,
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementDiscouraged, UserVerification: protocol.VerificationRequired},
	})
	if err != nil {
		return nil, fmt.Errorf("login: bad WebAuthn settings: %w", err)
	}
	g := &Gate{cfg: cfg, web: web, log: cfg.Logger, access: slog.New(slog.DiscardHandler)}
	g.defaults()
	if cfg.AccessLog != nil {
		g.access = slog.New(slog.NewJSONHandler(cfg.AccessLog, nil))
	}
	g.sessions = newSessions(g.cfg.IdleTimeout, g.cfg.MaxLifetime)
	g.failures = newFailures(g.cfg.Throttle)
	g.mux = g.routes()
	return g, nil
}

func (g *Gate) defaults() {
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.cfg.IdleTimeout <= 0 {
		g.cfg.IdleTimeout = DefaultIdleTimeout
	}
	if g.cfg.MaxLifetime <= 0 {
		g.cfg.MaxLifetime = DefaultMaxLifetime
	}
	if g.cfg.Throttle.Burst <= 0 || g.cfg.Throttle.Every <= 0 {
		g.cfg.Throttle = DefaultThrottle
	}
	if g.cfg.Now == nil {
		g.cfg.Now = time.Now
	}
}

// routes registers the login pages and ceremonies.
func (g *Gate) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /login", g.loginPage)
	m.HandleFunc("GET /login/login.js", serveScript)
	m.HandleFunc("POST /login/totp", g.loginTOTP)
	m.HandleFunc("POST /login/webauthn/begin", g.loginBegin)
	m.HandleFunc("POST /login/webauthn/finish", g.loginFinish)
	m.HandleFunc("GET /enrol", g.enrolPage)
	m.HandleFunc("POST /enrol/begin", g.enrolBegin)
	m.HandleFunc("POST /enrol/finish", g.enrolFinish)
	m.HandleFunc("POST /logout", g.logout)
	return m
}

// Middleware serves the login routes itself, lets /static/ through, and
// passes any other request on only with a live session, its Viewer in
// the context. Others are sent to the login page (pages), answered 401
// (API and htmx requests).
func (g *Gate) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case isGateRoute(p):
			g.mux.ServeHTTP(w, r)
		case strings.HasPrefix(p, "/static/"):
			next.ServeHTTP(w, r)
		default:
			v, ok := g.sessions.lookup(cookie(r, SessionCookie), g.cfg.Now())
			if !ok {
				g.refuse(w, r)
				return
			}
			next.ServeHTTP(w, r.WithContext(WithViewer(r.Context(), v)))
		}
	})
}

func isGateRoute(p string) bool {
	for _, root := range []string{"/login", "/enrol"} {
		if p == root || strings.HasPrefix(p, root+"/") {
			return true
		}
	}
	return p == "/logout"
}

// refuse answers a request that has no live session.
func (g *Gate) refuse(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/"):
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "login required"})
	case r.Header.Get("HX-Request") != "":
		w.Header().Set("HX-Redirect", "/login")
		http.Error(w, "login required", http.StatusUnauthorized)
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	default:
		http.Error(w, "login required", http.StatusUnauthorized)
	}
}

// record writes one login event to the access log. Never pass a secret.
func (g *Gate) record(r *http.Request, event, method, name, outcome, reason string) {
	attrs := []slog.Attr{
		slog.String("event", event), slog.String("method", method),
		slog.String("client", clientIP(r)), slog.String("user", name), slog.String("outcome", outcome),
	}
	if reason != "" {
		attrs = append(attrs, slog.String("reason", reason))
	}
	g.access.LogAttrs(r.Context(), slog.LevelInfo, "login", attrs...)
}

// clientIP returns the peer address; forwarding headers are not trusted.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
