package login

import (
	"errors"
	"net/http"

	"github.com/go-webauthn/webauthn/webauthn"
)

// enrolRequest is the body of /enrol/begin.
type enrolRequest struct {
	Name  string `json:"name"`
	Token string `json:"token"`
}

// enrolBegin checks the one-time token and starts a registration that
// requires user verification.
func (g *Gate) enrolBegin(w http.ResponseWriter, r *http.Request) {
	var req enrolRequest
	if err := readJSON(w, r, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "malformed request"})
		return
	}
	if !g.allowed(r, "webauthn", req.Name) {
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": msgThrottled})
		return
	}
	u, ok := g.user(r, req.Name)
	if !ok {
		g.failed(r, "enrol", "webauthn", req.Name, "unknown name")
		writeJSON(w, http.StatusForbidden, map[string]string{"error": msgEnrolFail})
		return
	}
	if err := u.checkEnrolment(req.Token, g.cfg.Now()); err != nil {
		g.failed(r, "enrol", "webauthn", req.Name, err.Error())
		writeJSON(w, http.StatusForbidden, map[string]string{"error": msgEnrolFail})
		return
	}
	wu := newWebUser(u)
	opts, data, err := g.web.BeginRegistration(wu,
		webauthn.WithExclusions(webauthn.Credentials(wu.creds).CredentialDescriptors()))
	if err != nil {
		g.log.ErrorContext(r.Context(), "failed to begin registration", "error", err.Error())
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
		return
	}
	g.holdCeremony(w, r, &ceremony{name: u.Name, enrol: true, data: *data, tokenHash: tokenHash(req.Token)})
	writeJSON(w, http.StatusOK, opts)
}

// errEnrolmentUsed is returned when the token was used meanwhile.
var errEnrolmentUsed = errors.New("registration token already used")

// enrolFinish checks the attestation, stores the key and spends the
// token.
func (g *Gate) enrolFinish(w http.ResponseWriter, r *http.Request) {
	c, ok := g.takeCeremony(w, r, true)
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "no registration in progress; start again"})
		return
	}
	u, ok := g.user(r, c.name)
	if !ok {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": msgEnrolFail})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	cred, err := g.web.FinishRegistration(newWebUser(u), c.data, r)
	if err != nil {
		g.failed(r, "enrol", "webauthn", c.name, "attestation refused: "+libraryReason(err))
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": msgEnrolFail})
		return
	}
	now := g.cfg.Now()
	err = g.cfg.Users.Update(c.name, func(s *User) error {
		if s.Enrolment == nil || s.Enrolment.TokenSHA256 != c.tokenHash {
			return errEnrolmentUsed
		}
		s.Enrolment = nil
		s.Credentials = append(s.Credentials, storedCredential(cred, now))
		return nil
	})
	if err != nil {
		g.failed(r, "enrol", "webauthn", c.name, err.Error())
		writeJSON(w, http.StatusForbidden, map[string]string{"error": msgEnrolFail})
		return
	}
	g.record(r, "enrol", "webauthn", c.name, "success", "")
	writeJSON(w, http.StatusOK, map[string]string{"next": "/login?done=registered"})
}
