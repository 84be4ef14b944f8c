package login

import (
	"context"
	"fmt"
)

// Role is what a portal user is there to do; it decides what they see.
type Role string

// The roles of the low-side portal.
const (
	// Regulator reads and downloads reports, checkpoints and proofs.
	Regulator Role = "regulator"
	// Auditor reads the same evidence as a regulator.
	Auditor Role = "auditor"
	// Security reads the guard log and link health.
	Security Role = "security"
)

// Roles lists every role, in the order help texts show them.
var Roles = []Role{Regulator, Auditor, Security}

// ParseRole returns the role named s, or an error listing the roles.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q: want regulator, auditor or security", s)
}

// Viewer is the person behind a request, as the Gate established it.
type Viewer struct {
	Name string
	Role Role
}

type viewerKey struct{}

// WithViewer returns ctx carrying v.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns the viewer the Gate recorded in ctx, if any.
func ViewerFrom(ctx context.Context) (Viewer, bool) {
	v, ok := ctx.Value(viewerKey{}).(Viewer)
	return v, ok
}
