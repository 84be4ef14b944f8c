package login

import (
	"errors"
	"net/http"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// Public answers of failed attempts; causes go to the access log only.
const (
	msgWrongCode = "Wrong name or code."
	msgThrottled = "Too many failed attempts. Wait a minute and try again."
	msgNoKey     = "No security key is registered for this name; use a one-time code."
	msgKeyFailed = "The security key was not accepted."
	msgEnrolFail = "Registration refused: check the name and token, or ask for a new link."
)

// loginTOTP handles the one-time code form.
func (g *Gate) loginTOTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	name, code := r.PostFormValue("name"), r.PostFormValue("code")
	next := safeNext(r.PostFormValue("next"))
	view := loginView{Title: "Log in", Next: next, Name: name}
	if !g.allowed(r, "totp", name) {
		view.Problem = msgThrottled
		g.render(w, http.StatusTooManyRequests, "login", view)
		return
	}
	u, ok := g.user(r, name)
	if !ok || !g.codes.check(u.Name, u.TOTPSecret, code, g.cfg.Now()) {
		g.failed(r, "login", "totp", name, "wrong name or code")
		view.Problem = msgWrongCode
		g.render(w, http.StatusUnauthorized, "login", view)
		return
	}
	g.startSession(w, r, "totp", u)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// loginBegin starts a WebAuthn assertion for a named user, requiring
// user verification (WebAuthn Level 3 §5.5 userVerification).
func (g *Gate) loginBegin(w http.ResponseWriter, r *http.Request) {
	var req struct{ Name, Next string }
	if err := readJSON(w, r, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "malformed request"})
		return
	}
	if !g.allowed(r, "webauthn", req.Name) {
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": msgThrottled})
		return
	}
	u, ok := g.user(r, req.Name)
	if !ok || len(u.Credentials) == 0 {
		g.failed(r, "login", "webauthn", req.Name, "unknown name or no key registered")
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": msgNoKey})
		return
	}
	opts, data, err := g.web.BeginLogin(newWebUser(u), webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		g.log.ErrorContext(r.Context(), "failed to begin login", "error", err.Error())
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
		return
	}
	g.holdCeremony(w, r, &ceremony{name: u.Name, data: *data, next: safeNext(req.Next)})
	writeJSON(w, http.StatusOK, opts)
}

// loginFinish checks the assertion, updates the key's counter and
// starts a session.
func (g *Gate) loginFinish(w http.ResponseWriter, r *http.Request) {
	c, ok := g.takeCeremony(w, r, false)
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "no login in progress; start again"})
		return
	}
	u, ok := g.user(r, c.name)
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": msgKeyFailed})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	cred, err := g.web.FinishLogin(newWebUser(u), c.data, r)
	if err != nil {
		g.failed(r, "login", "webauthn", c.name, "assertion refused: "+libraryReason(err))
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": msgKeyFailed})
		return
	}
	if err := g.cfg.Users.Update(u.Name, func(s *User) error { s.updateAfterLogin(cred); return nil }); err != nil {
		g.log.ErrorContext(r.Context(), "failed to store key counter", "error", err.Error())
	}
	g.startSession(w, r, "webauthn", u)
	writeJSON(w, http.StatusOK, map[string]string{"next": c.next})
}

// logout ends the session and clears the cookie.
func (g *Gate) logout(w http.ResponseWriter, r *http.Request) {
	token := cookie(r, SessionCookie)
	if v, ok := g.sessions.lookup(token, g.cfg.Now()); ok {
		g.record(r, "logout", "session", v.Name, "success", "")
	}
	g.sessions.end(token)
	setCookie(w, r, SessionCookie, "", -1)
	http.Redirect(w, r, "/login?done=logout", http.StatusSeeOther)
}

// startSession records the success, makes a session and sets its cookie.
func (g *Gate) startSession(w http.ResponseWriter, r *http.Request, method string, u User) {
	if old := cookie(r, SessionCookie); old != "" {
		g.sessions.end(old)
	}
	token := g.sessions.start(Viewer{Name: u.Name, Role: u.Role}, g.cfg.Now())
	setCookie(w, r, SessionCookie, token, 0)
	g.record(r, "login", method, u.Name, "success", "")
}

// allowed reports whether the client and name may try again; a refusal
// is recorded.
func (g *Gate) allowed(r *http.Request, method, name string) bool {
	if g.failures.blocked(g.cfg.Now(), "client:"+clientIP(r), "user:"+name) {
		g.record(r, "login", method, name, "failure", "throttled")
		return false
	}
	return true
}

// failed records a failure and counts it against client and name.
func (g *Gate) failed(r *http.Request, event, method, name, reason string) {
	g.failures.fail(g.cfg.Now(), "client:"+clientIP(r), "user:"+name)
	g.record(r, event, method, name, "failure", reason)
}

// user looks name up; a users file error is logged and reads as unknown.
func (g *Gate) user(r *http.Request, name string) (User, bool) {
	u, ok, err := g.cfg.Users.User(name)
	if err != nil {
		g.log.ErrorContext(r.Context(), "failed to read users file", "error", err.Error())
		return User{}, false
	}
	return u, ok
}

func (g *Gate) holdCeremony(w http.ResponseWriter, r *http.Request, c *ceremony) {
	token := g.sessions.hold(c, g.cfg.Now())
	setCookie(w, r, ceremonyCookie, token, int(ceremonyLifetime.Seconds()))
}

// takeCeremony returns the pending ceremony of the request's cookie when
// it is of the wanted kind, and clears the cookie.
func (g *Gate) takeCeremony(w http.ResponseWriter, r *http.Request, enrol bool) (*ceremony, bool) {
	setCookie(w, r, ceremonyCookie, "", -1)
	c, ok := g.sessions.take(cookie(r, ceremonyCookie), g.cfg.Now())
	if !ok || c.enrol != enrol {
		return nil, false
	}
	return c, true
}

// libraryReason returns the WebAuthn library's detail for the log.
func libraryReason(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Details != "" {
		return pe.Details
	}
	return err.Error()
}
