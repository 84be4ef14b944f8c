package clearance

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"bastion/shared/entry"
)

//go:embed policy.toml
var defaultPolicy []byte

// Policy decides the label of each entry from its type and content, and
// the most an entry may carry and still be released in full.
//
// The built-in policy (policy.toml) labels orders confidential/trading,
// payments confidential/payments, approvals confidential/surveillance,
// logins and configuration changes internal, and key-ceremony steps
// secret/keys; a configuration change whose key starts with "hsm." or
// "keys." is secret/keys too. Anything else, or a body that cannot be read,
// gets the fallback label, secret: when in doubt, hash only. Releases go up
// to confidential/payments,surveillance,trading, so orders, payments (with
// the decisions inside them), approvals, logins and configuration changes
// are released in full, while ceremony, key and any secret entry crosses as
// its leaf hash only.
type Policy struct {
	Labels    map[entry.Type]entry.Label
	Overrides []Override
	Fallback  entry.Label
	Release   entry.Label
}

// Override relabels entries of Type whose string field Field starts with
// Prefix.
type Override struct {
	Type   entry.Type
	Field  string
	Prefix string
	Label  entry.Label
}

type policyFile struct {
	Fallback  labelText            `toml:"fallback"`
	Release   labelText            `toml:"release"`
	Labels    map[string]labelText `toml:"labels"`
	Overrides []overrideFile       `toml:"override"`
}

type overrideFile struct {
	Type   string    `toml:"type"`
	Field  string    `toml:"field"`
	Prefix string    `toml:"prefix"`
	Label  labelText `toml:"label"`
}

var knownTypes = []entry.Type{
	entry.TypeOrder, entry.TypePayment, entry.TypeLogin, entry.TypeApproval, entry.TypeConfig, entry.TypeCeremony,
}

// ParsePolicy reads a labelling policy from TOML; name is used in errors.
// Every entry type must have a label; unknown keys and types are errors.
func ParsePolicy(data []byte, name string) (Policy, error) {
	var f policyFile
	if err := decodeStrict(data, name, &f); err != nil {
		return Policy{}, err
	}
	p := Policy{Labels: map[entry.Type]entry.Label{}, Fallback: f.Fallback.Label, Release: f.Release.Label}
	for t, l := range f.Labels {
		if !isType(entry.Type(t)) {
			return Policy{}, fmt.Errorf("%s: labels.%s: unknown entry type", name, t)
		}
		p.Labels[entry.Type(t)] = l.Label
	}
	for _, t := range knownTypes {
		if _, ok := p.Labels[t]; !ok {
			return Policy{}, fmt.Errorf("%s: labels.%s: missing", name, t)
		}
	}
	for i, o := range f.Overrides {
		if !isType(entry.Type(o.Type)) || o.Field == "" || o.Prefix == "" {
			return Policy{}, fmt.Errorf("%s: override[%d]: want a known type, a field and a prefix", name, i)
		}
		p.Overrides = append(p.Overrides, Override{entry.Type(o.Type), o.Field, o.Prefix, o.Label.Label})
	}
	if f.Fallback.Level < entry.Secret {
		return Policy{}, fmt.Errorf("%s: fallback: must be secret, so unknown entries are never released", name)
	}
	return p, nil
}

// DefaultPolicy returns the built-in labelling and release policy.
func DefaultPolicy() Policy {
	p, err := ParsePolicy(defaultPolicy, "policy.toml")
	if err != nil {
		panic("clearance: built-in policy is invalid: " + err.Error())
	}
	return p
}

func isType(t entry.Type) bool {
	for _, k := range knownTypes {
		if k == t {
			return true
		}
	}
	return false
}

// LabelFor returns the label the policy gives an entry of type t with the
// given canonical body. An override matching the body wins over the type's
// label; an unknown type gets the fallback, and so does a body that cannot
// be decoded when an override needs to read it.
func (p Policy) LabelFor(t entry.Type, body json.RawMessage) entry.Label {
	base, ok := p.Labels[t]
	if !ok {
		return p.Fallback
	}
	var fields map[string]json.RawMessage
	for _, o := range p.Overrides {
		if o.Type != t {
			continue
		}
		if fields == nil && json.NewDecoder(bytes.NewReader(body)).Decode(&fields) != nil {
			return p.Fallback
		}
		var v string
		if json.Unmarshal(fields[o.Field], &v) == nil && strings.HasPrefix(v, o.Prefix) {
			return o.Label
		}
	}
	return base
}

// LabelFor returns the label the built-in policy gives an entry.
func LabelFor(t entry.Type, body json.RawMessage) entry.Label {
	return builtin.LabelFor(t, body)
}

var builtin = DefaultPolicy()

// ReleaseFilter returns the filter that releases what the policy allows.
func (p Policy) ReleaseFilter() ReleaseFilter { return ReleaseFilter{Max: p.Release} }

// ReleaseFilter decides which entries cross to the low side in full; the
// others cross as their leaf hash only (ARCHITECTURE invariant 4).
type ReleaseFilter struct {
	Max entry.Label // the highest label released in full
}

// Releasable reports whether an entry labelled l may be released in full:
// l is well formed and Max dominates it.
func (f ReleaseFilter) Releasable(l entry.Label) bool {
	return l.Validate() == nil && f.Max.Dominates(l)
}
