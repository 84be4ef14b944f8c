package portal

import (
	"net/http"

	"bastion/low-side/portal/login"
)

// area is a part of the portal that a role may or may not see.
type area int

const (
	// areaEvidence is reports, the checkpoint and proofs: regulators and
	// auditors.
	areaEvidence area = iota
	// areaGuard is the guard log and link health: security staff.
	areaGuard
)

// visibility is what the person behind a request may see, for the
// templates and the route checks.
type visibility struct {
	Demo     bool // no login configured: every area, loopback only
	Name     string
	Role     login.Role
	Evidence bool
	Guard    bool
}

// visibility returns what r may see. Without Config.Auth the portal is in
// loopback demo mode and shows everything; with it, a request without a
// Viewer in its context sees nothing but the overview's frame.
func (s *Server) visibility(r *http.Request) visibility {
	if s.cfg.Auth == nil {
		return visibility{Demo: true, Evidence: true, Guard: true}
	}
	v, ok := login.ViewerFrom(r.Context())
	if !ok {
		return visibility{}
	}
	return visibility{
		Name: v.Name, Role: v.Role,
		Evidence: v.Role == login.Regulator || v.Role == login.Auditor,
		Guard:    v.Role == login.Security,
	}
}

// sees reports whether r may see area a.
func (v visibility) sees(a area) bool {
	switch a {
	case areaEvidence:
		return v.Evidence
	case areaGuard:
		return v.Guard
	}
	return false
}

// only wraps h so that it answers 403 Forbidden to a role that may not
// see area a.
func (s *Server) only(a area, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.visibility(r).sees(a) {
			s.fail(w, r, http.StatusForbidden, "your role may not see this page", nil)
			return
		}
		h(w, r)
	}
}
