// Package schema is the guard's fast proof that an encoded ledger entry is
// valid: that entry.Parse would accept it. It reads the bytes once, in the
// one canonical layout package entry writes (field order, no white space,
// omitted empty fields), and checks each field as entry does.
//
// The proof is one-sided. Label returns ok only for an entry it has fully
// checked; anything else (an escape in a string, non-ASCII text, a field
// it does not know, any error) returns false and the caller decides with
// entry.Parse, which also supplies the error message. Since every
// accepting path reads the entry exactly in entry's canonical encoding, an
// accepted entry re-encodes to the same bytes, as entry.Parse requires.
//
// The field lists below are compared with package entry's struct tags when
// the package loads; a type whose fields differ is never proven here (see
// Covered), so a change to the entry schema can slow the guard down but
// never let an entry through that entry.Parse refuses.
package schema

import (
	"reflect"

	"github.com/shopspring/decimal"

	"bastion/shared/entry"
)

// Label reports whether raw is proven to be an entry that entry.Parse
// accepts, and returns its label. false means "not proven", not "invalid".
func Label(raw []byte) (entry.Label, bool) {
	if len(raw) > entry.MaxSize || !envelopeOK {
		return entry.Label{}, false
	}
	r := reader{b: raw}
	l, ok := r.envelope()
	if !ok || r.i != len(r.b) {
		return entry.Label{}, false
	}
	return l, true
}

// Covered reports whether entries of type t can be proven here: the
// envelope's and the body's field lists match package entry's.
func Covered(t entry.Type) bool {
	b, ok := bodies[t]
	return envelopeOK && ok && b.ok
}

// body is the schema of one entry type's body.
type body struct {
	typ    reflect.Type
	fields []field
	ok     bool // fields match typ's JSON fields
}

// field is one member of a JSON object in canonical order.
type field struct {
	name      string
	omitempty bool
	read      func(r *reader) bool // reads and checks the value
}

var bodies = map[entry.Type]*body{
	entry.TypeOrder: {typ: reflect.TypeFor[entry.Order](), fields: []field{
		{"order_id", false, str(validID)}, {"event", false, str(orderEvent)},
		{"symbol", false, str(validSymbol)}, {"side", false, str(side)},
		{"qty", false, integer(func(n int64) bool { return n >= 0 && n <= 1e12 })},
		{"price", false, amount}, {"trader", false, str(validID)},
		{"account", false, str(isCommitment)}, {"source", false, str(name(16))},
	}},
	entry.TypePayment: {typ: reflect.TypeFor[entry.Payment](), fields: []field{
		{"payment_id", false, str(validID)}, {"kind", false, str(paymentKind)},
		{"amount", false, amount}, {"currency", false, str(currency)},
		{"from", false, str(isCommitment)}, {"to", false, str(isCommitment)},
		{"source", false, str(name(16))},
	}},
	entry.TypeLogin: {typ: reflect.TypeFor[entry.Login](), fields: []field{
		{"subject", false, str(validID)}, {"method", false, str(name(16))},
		{"result", false, str(name(16))}, {"station", false, str(validID)},
	}},
	entry.TypeApproval: {typ: reflect.TypeFor[entry.Approval](), fields: []field{
		{"subject", false, str(validID)}, {"action", false, str(name(16))},
		{"approver", false, str(validID)}, {"note", true, str(note(1024))},
	}},
	entry.TypeConfig: {typ: reflect.TypeFor[entry.Config](), fields: []field{
		{"key", false, str(validID)}, {"version", false, str(validID)},
		{"digest", false, str(func(s []byte) bool { return len(s) == 64 })},
	}},
	entry.TypeCeremony: {typ: reflect.TypeFor[entry.Ceremony](), fields: []field{
		{"step", false, str(name(32))}, {"key_id", false, str(validID)},
		{"details", true, str(note(1024))},
	}},
}

// Field lists of the envelope's own structs, checked like the bodies'.
var (
	envelopeFields = []string{"v", "type", "id", "time_ns", "actor", "label", "body", "decision,omitempty"}
	labelFields    = []string{"level", "compartments,omitempty"}
	decisionFields = []string{"outcome", "reasons,omitempty", "checks,omitempty", "rule_pack,omitempty"}
	checkFields    = []string{"rule", "result", "reason,omitempty", "observed,omitempty", "limit,omitempty"}
)

// envelopeOK is true when the envelope, label and decision structs have
// exactly the fields this package reads.
var envelopeOK = sameFields(reflect.TypeFor[entry.Envelope](), envelopeFields) &&
	sameFields(reflect.TypeFor[entry.Label](), labelFields) &&
	sameFields(reflect.TypeFor[entry.Decision](), decisionFields) &&
	sameFields(reflect.TypeFor[entry.Check](), checkFields)

func init() {
	for _, b := range bodies {
		tags := make([]string, len(b.fields))
		for i, f := range b.fields {
			tags[i] = f.name
			if f.omitempty {
				tags[i] += ",omitempty"
			}
		}
		b.ok = sameFields(b.typ, tags)
	}
}

// sameFields reports whether struct type t has exactly the JSON tags
// tags, in order, and nothing else that encoding/json would read.
func sameFields(t reflect.Type, tags []string) bool {
	if t.Kind() != reflect.Struct || t.NumField() != len(tags) {
		return false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Anonymous || f.Tag.Get("json") != tags[i] {
			return false
		}
	}
	return true
}

// levels maps each level's encoded name to the level.
var levels = func() map[string]entry.Level {
	m := map[string]entry.Level{}
	for i := range 256 {
		name := entry.Level(i).String()
		if l, err := entry.ParseLevel(name); err == nil && l == entry.Level(i) {
			m[name] = l
		}
	}
	return m
}()

// amount reads a decimal the way entry does: decimal's own JSON decoding,
// re-encoded to the same bytes, not negative.
func amount(r *reader) bool {
	start := r.i
	if _, ok := r.str(); !ok {
		return false
	}
	raw := r.b[start:r.i]
	var d decimal.Decimal
	if d.UnmarshalJSON(raw) != nil || d.IsNegative() {
		return false
	}
	again, err := d.MarshalJSON()
	return err == nil && string(again) == string(raw)
}
