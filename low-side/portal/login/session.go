package login

import (
	"crypto/sha256"
	"net/http"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
)

// Cookie names. The session cookie carries a random token only.
const (
	SessionCookie  = "bastion_session"
	ceremonyCookie = "bastion_ceremony"
)

// Defaults of Config.
const (
	DefaultIdleTimeout = 15 * time.Minute
	DefaultMaxLifetime = 8 * time.Hour
	ceremonyLifetime   = 5 * time.Minute
	maxSessions        = 10000
)

// session is one logged-in browser.
type session struct {
	viewer  Viewer
	started time.Time
	seen    time.Time
}

// ceremony is a WebAuthn registration or login between begin and finish.
type ceremony struct {
	name      string
	enrol     bool
	data      webauthn.SessionData
	next      string // where to go after a login
	tokenHash string // the registration token's hash, when enrol
	expires   time.Time
}

// sessions is the server-side store, keyed by the SHA-256 of the cookie
// token so that the map never holds a usable token.
type sessions struct {
	idle, lifetime time.Duration

	mu         sync.Mutex
	live       map[[32]byte]*session
	ceremonies map[[32]byte]*ceremony
}

func newSessions(idle, lifetime time.Duration) *sessions {
	return &sessions{idle: idle, lifetime: lifetime,
		live: map[[32]byte]*session{}, ceremonies: map[[32]byte]*ceremony{}}
}

// start makes a session for v and returns its token.
func (s *sessions) start(v Viewer, now time.Time) string {
	token := randomToken()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.live) >= maxSessions {
		s.expire(now)
	}
	if len(s.live) >= maxSessions {
		clear(s.live)
	}
	s.live[sha256.Sum256([]byte(token))] = &session{viewer: v, started: now, seen: now}
	return token
}

// lookup returns the viewer of token and marks it seen, or false when the
// session is unknown, idle too long or too old.
func (s *sessions) lookup(token string, now time.Time) (Viewer, bool) {
	key := sha256.Sum256([]byte(token))
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.live[key]
	if !ok {
		return Viewer{}, false
	}
	if now.Sub(ss.seen) >= s.idle || now.Sub(ss.started) >= s.lifetime {
		delete(s.live, key)
		return Viewer{}, false
	}
	ss.seen = now
	return ss.viewer, true
}

// end forgets token's session.
func (s *sessions) end(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.live, sha256.Sum256([]byte(token)))
}

func (s *sessions) expire(now time.Time) {
	for k, ss := range s.live {
		if now.Sub(ss.seen) >= s.idle || now.Sub(ss.started) >= s.lifetime {
			delete(s.live, k)
		}
	}
}

// hold keeps c until finish and returns its token.
func (s *sessions) hold(c *ceremony, now time.Time) string {
	token := randomToken()
	c.expires = now.Add(ceremonyLifetime)
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, old := range s.ceremonies {
		if now.After(old.expires) {
			delete(s.ceremonies, k)
		}
	}
	if len(s.ceremonies) >= maxSessions {
		clear(s.ceremonies)
	}
	s.ceremonies[sha256.Sum256([]byte(token))] = c
	return token
}

// take returns and forgets the ceremony of token; each is used once.
func (s *sessions) take(token string, now time.Time) (*ceremony, bool) {
	key := sha256.Sum256([]byte(token))
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.ceremonies[key]
	delete(s.ceremonies, key)
	if !ok || now.After(c.expires) {
		return nil, false
	}
	return c, true
}

// setCookie sets an HttpOnly, SameSite=Strict cookie, Secure over TLS;
// maxAge < 0 deletes it.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

// cookie returns the value of the named cookie, or "".
func cookie(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}
