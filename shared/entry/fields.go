package entry

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Committed field names: the opening names of the body fields that hold a
// commitment instead of a value.
const (
	FieldAccount = "account" // Order.Account
	FieldFrom    = "from"    // Payment.From
	FieldTo      = "to"      // Payment.To
)

// ErrNoSuchField is returned by Commitment for a field the entry's type
// does not commit.
var ErrNoSuchField = errors.New("entry has no such committed field")

// CommittedFields returns the names of the committed fields of an entry
// of type t, nil for a type without any. An amendment's fields are those
// of its record type (see Commitment).
func CommittedFields(t Type) []string {
	switch t {
	case TypeOrder:
		return []string{FieldAccount}
	case TypePayment:
		return []string{FieldFrom, FieldTo}
	}
	return nil
}

// Commitment returns the commitment the entry holds for field. For an
// amendment it looks in the amended body. It returns ErrNoSuchField for a
// field the type does not commit, or a decoding error for a body that is
// not of its type's schema.
func (e *Envelope) Commitment(field string) (string, error) {
	t, body := e.Type, e.Body
	if t == TypeAmendment {
		var a Amendment
		if err := json.Unmarshal(body, &a); err != nil {
			return "", fmt.Errorf("malformed amendment body: %v", err)
		}
		t, body = a.RecordType, a.Body
	}
	return commitmentIn(t, body, field)
}

func commitmentIn(t Type, body json.RawMessage, field string) (string, error) {
	var c string
	switch {
	case t == TypeOrder && field == FieldAccount:
		var o Order
		if err := json.Unmarshal(body, &o); err != nil {
			return "", fmt.Errorf("malformed order body: %v", err)
		}
		c = o.Account
	case t == TypePayment && (field == FieldFrom || field == FieldTo):
		var p Payment
		if err := json.Unmarshal(body, &p); err != nil {
			return "", fmt.Errorf("malformed payment body: %v", err)
		}
		c = map[string]string{FieldFrom: p.From, FieldTo: p.To}[field]
	default:
		return "", fmt.Errorf("%w: %s entry, field %q", ErrNoSuchField, t, field)
	}
	if !IsCommitment(c) {
		return "", fmt.Errorf("%s field %q is not a commitment", t, field)
	}
	return c, nil
}
