// Package clearance decides who may act on what: classification levels and
// compartments after Bell-LaPadula, information barriers between desks, the
// label each entry gets, and the release filter that decides which entries
// may cross to the low side in full.
//
// # Access rule
//
// Registry.Check lets a subject perform an action at a label when, in this
// order: the subject is registered; the action is defined; the subject
// holds one of the action's roles; the subject's clearance dominates the
// label (Bell-LaPadula simple security property: no read up, and no write
// above one's clearance); and none of the subject's information barriers
// excludes a compartment of the label.
//
// A subject acts at the label of the entry it reads or writes, which its
// clearance dominates; the entry keeps that label, so nothing it writes is
// labelled below the level it acted at (the *-property holds by
// construction). Deciding an entry's label is Policy's job, not the
// subject's.
package clearance

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"bastion/shared/entry"

	"github.com/pelletier/go-toml/v2"
)

// Subject is a person or a service known to the high side.
type Subject struct {
	ID        string
	Clearance entry.Label
	Roles     []string
	Barriers  []string // information barriers the subject stands behind
}

// ActionRule says who may perform one action: any subject holding one of
// Roles (any subject when Roles is empty).
type ActionRule struct {
	Roles []string
}

// Registry holds the subjects, the actions and the information barriers.
// It is read-only after loading and safe for concurrent use.
type Registry struct {
	subjects map[string]Subject
	actions  map[string]ActionRule
	barriers map[string][]string // barrier -> compartments it excludes
}

// Errors wrapped by the *Denial that Check returns, one per rule.
var (
	// ErrUnknownSubject: the subject is not in the registry.
	ErrUnknownSubject = errors.New("unknown subject")
	// ErrUnknownAction: the action is not defined in the registry.
	ErrUnknownAction = errors.New("unknown action")
	// ErrRole: the subject holds none of the action's roles.
	ErrRole = errors.New("role required")
	// ErrNotCleared: the subject's clearance does not dominate the label.
	ErrNotCleared = errors.New("not cleared")
	// ErrBarrier: an information barrier excludes a compartment of the label.
	ErrBarrier = errors.New("information barrier")
)

// Denial is the error Check returns: who was refused what, and by which
// rule.
type Denial struct {
	Subject string
	Label   entry.Label
	Action  string
	Rule    error  // one of the Err* sentinels
	Detail  string // what the rule found
}

// Error names the subject, the action, the label and the rule.
func (d *Denial) Error() string {
	return fmt.Sprintf("subject %q may not %s at %s: %v: %s", d.Subject, d.Action, d.Label, d.Rule, d.Detail)
}

// Unwrap returns the rule's sentinel, for errors.Is.
func (d *Denial) Unwrap() error { return d.Rule }

// Check reports whether subjectID may perform action on an entry labelled
// want. It returns nil or a *Denial naming the first rule that refuses (see
// the package comment for the order).
func (r *Registry) Check(subjectID string, want entry.Label, action string) error {
	deny := func(rule error, format string, args ...any) error {
		return &Denial{Subject: subjectID, Label: want, Action: action, Rule: rule, Detail: fmt.Sprintf(format, args...)}
	}
	s, ok := r.subjects[subjectID]
	if !ok {
		return deny(ErrUnknownSubject, "not registered")
	}
	rule, ok := r.actions[action]
	if !ok {
		return deny(ErrUnknownAction, "no rule for this action")
	}
	holds := func(role string) bool { return slices.Contains(s.Roles, role) }
	if len(rule.Roles) > 0 && !slices.ContainsFunc(rule.Roles, holds) {
		return deny(ErrRole, "needs one of %s, has %s", strings.Join(rule.Roles, ","), listOrNone(s.Roles))
	}
	if err := want.Validate(); err != nil {
		return deny(ErrNotCleared, "malformed label: %v", err)
	}
	if !s.Clearance.Dominates(want) {
		return deny(ErrNotCleared, "clearance %s does not dominate %s", s.Clearance, want)
	}
	for _, b := range s.Barriers {
		for _, c := range r.barriers[b] {
			if slices.Contains(want.Compartments, c) {
				return deny(ErrBarrier, "barrier %s excludes compartment %s", b, c)
			}
		}
	}
	return nil
}

// Subject returns the registered subject with the given id.
func (r *Registry) Subject(id string) (Subject, bool) {
	s, ok := r.subjects[id]
	return s, ok
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ",")
}

// registryFile is the TOML form of a Registry.
type registryFile struct {
	Subjects []subjectFile          `toml:"subject"`
	Actions  map[string]actionFile  `toml:"action"`
	Barriers map[string]barrierFile `toml:"barrier"`
}

type subjectFile struct {
	ID        string    `toml:"id"`
	Clearance labelText `toml:"clearance"`
	Roles     []string  `toml:"roles"`
	Barriers  []string  `toml:"barriers"`
}

type actionFile struct {
	Roles []string `toml:"roles"`
}

type barrierFile struct {
	Excludes []string `toml:"excludes"`
}

// labelText is a label written as "level" or "level/comp1,comp2".
type labelText struct{ entry.Label }

// UnmarshalText parses the label with entry.ParseLabel.
func (l *labelText) UnmarshalText(b []byte) error {
	v, err := entry.ParseLabel(string(b))
	if err != nil {
		return fmt.Errorf("bad label %q: %v", b, err)
	}
	l.Label = v
	return nil
}

// ParseRegistry reads a registry from TOML; name is used in errors. Unknown
// keys, duplicate subject ids, undefined barriers and malformed names are
// errors naming the key.
func ParseRegistry(data []byte, name string) (*Registry, error) {
	var f registryFile
	if err := decodeStrict(data, name, &f); err != nil {
		return nil, err
	}
	r := &Registry{subjects: map[string]Subject{}, actions: map[string]ActionRule{}, barriers: map[string][]string{}}
	for b, def := range f.Barriers {
		if !validName(b) || len(def.Excludes) == 0 || !allValid(def.Excludes) {
			return nil, fmt.Errorf("%s: barrier.%s: want a valid name and excludes listing compartments", name, b)
		}
		r.barriers[b] = slices.Clone(def.Excludes)
	}
	for a, def := range f.Actions {
		if !validName(a) || !allValid(def.Roles) {
			return nil, fmt.Errorf("%s: action.%s: malformed action or role name", name, a)
		}
		r.actions[a] = ActionRule{Roles: slices.Clone(def.Roles)}
	}
	for i, s := range f.Subjects {
		if err := r.addSubject(s); err != nil {
			return nil, fmt.Errorf("%s: subject[%d]: %w", name, i, err)
		}
	}
	return r, nil
}

func (r *Registry) addSubject(s subjectFile) error {
	switch {
	case s.ID == "" || len(s.ID) > 128:
		return fmt.Errorf("malformed id %q", s.ID)
	case !allValid(s.Roles):
		return fmt.Errorf("subject %q: malformed role name", s.ID)
	}
	if _, dup := r.subjects[s.ID]; dup {
		return fmt.Errorf("duplicate subject id %q", s.ID)
	}
	for _, b := range s.Barriers {
		if _, ok := r.barriers[b]; !ok {
			return fmt.Errorf("subject %q: undefined barrier %q", s.ID, b)
		}
	}
	r.subjects[s.ID] = Subject{
		ID: s.ID, Clearance: s.Clearance.Label,
		Roles: slices.Clone(s.Roles), Barriers: slices.Clone(s.Barriers),
	}
	return nil
}

// LoadRegistry reads the registry file at path.
func LoadRegistry(path string) (*Registry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read clearance registry: %w", err)
	}
	return ParseRegistry(b, path)
}

// decodeStrict decodes TOML into v, rejecting unknown keys with file, line
// and key.
func decodeStrict(data []byte, name string, v any) error {
	err := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields().Decode(v)
	var strict *toml.StrictMissingError
	var de *toml.DecodeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &strict):
		msgs := make([]string, 0, len(strict.Errors))
		for _, e := range strict.Errors {
			line, _ := e.Position()
			msgs = append(msgs, fmt.Sprintf("%s:%d: unknown key %q", name, line, strings.Join(e.Key(), ".")))
		}
		return errors.New(strings.Join(msgs, "; "))
	case errors.As(err, &de):
		line, _ := de.Position()
		return fmt.Errorf("%s:%d: key %q: %v", name, line, strings.Join(de.Key(), "."), de)
	}
	return fmt.Errorf("%s: %v", name, err)
}

// validName reports whether s is 1 to 32 characters of a-z, 0-9, '-', '_',
// the compartment syntax of entry.Label.
func validName(s string) bool {
	return entry.NewLabel(entry.Public, s).Validate() == nil
}

func allValid(names []string) bool {
	for _, n := range names {
		if !validName(n) {
			return false
		}
	}
	return true
}
