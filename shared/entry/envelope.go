// Package entry defines the ledger entry envelope shared by both domains.
//
// An entry is encoded once, by the high-side leader, as canonical JSON (the
// struct field order below, no insignificant white space). Those bytes are the
// record: the ledger hashes them as an RFC 6962 leaf, they cross the diode
// as they are, and no component ever re-encodes an entry to hash it.
//
// Sensitive fields (account numbers, names) never appear in the envelope.
// The envelope holds a salted commitment in their place (see Commit); the
// value and its salt stay on the high side. The low side can therefore
// recompute every leaf hash without seeing a single personal value.
package entry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Version is the envelope version this package writes and accepts.
const Version = 1

// MaxSize is the largest encoded envelope, in bytes, that any component
// accepts.
const MaxSize = 64 << 10

// Type names what an entry records.
type Type string

// Entry types. The list is closed: Parse rejects any other type.
const (
	TypeOrder    Type = "order"    // an order event (new, cancel, execution)
	TypePayment  Type = "payment"  // a payment instruction
	TypeLogin    Type = "login"    // an authentication event
	TypeApproval Type = "approval" // a four-eyes approval or override
	TypeConfig   Type = "config"   // a configuration or rule-pack change
	TypeCeremony Type = "ceremony" // a key-ceremony transcript step
	// TypeAmendment is a new version of an earlier record (SEC 17a-4(f)
	// audit-trail alternative): the record is never rewritten.
	TypeAmendment Type = "amendment"
	// TypeDisposal records that the sensitive values of entries past
	// their retention were destroyed (crypto-shredded).
	TypeDisposal Type = "disposal"
)

var knownTypes = map[Type]bool{
	TypeOrder: true, TypePayment: true, TypeLogin: true,
	TypeApproval: true, TypeConfig: true, TypeCeremony: true,
	TypeAmendment: true, TypeDisposal: true,
}

// Envelope is one ledger entry. Field order is the canonical encoding order.
type Envelope struct {
	Version  int             `json:"v"`
	Type     Type            `json:"type"`
	ID       string          `json:"id"`      // the submitter's idempotency key
	Time     int64           `json:"time_ns"` // ns since the Unix epoch, UTC
	Actor    string          `json:"actor"`   // who submitted it
	Label    Label           `json:"label"`
	Body     json.RawMessage `json:"body"`
	Decision *Decision       `json:"decision,omitempty"`
}

// Errors returned by Parse and Validate.
var (
	// ErrTooLarge is returned for an encoding over MaxSize bytes.
	ErrTooLarge = errors.New("entry too large")
	// ErrNotCanonical is returned when the bytes are not the canonical
	// encoding of the envelope they decode to.
	ErrNotCanonical = errors.New("entry encoding is not canonical")
)

// Encode returns the canonical encoding of e after validating it.
func (e *Envelope) Encode() ([]byte, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	b, err := appendEnvelope(make([]byte, 0, 512+len(e.Body)), e, true)
	if err != nil {
		return nil, fmt.Errorf("failed to encode entry: %v", err)
	}
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(b), MaxSize)
	}
	return b, nil
}

// Parse decodes and validates an encoded envelope. It rejects unknown
// fields, trailing data and any encoding other than the canonical one, so
// one entry has exactly one byte form.
func Parse(b []byte) (*Envelope, error) {
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(b), MaxSize)
	}
	e, err := decodeEnvelope(b)
	if err != nil {
		return nil, err
	}
	again, err := e.Encode()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, b) {
		return nil, ErrNotCanonical
	}
	return e, nil
}

// decodeEnvelope decodes b, which is not over MaxSize, rejecting unknown
// fields and trailing data. Canonical bytes take the single-pass reader;
// anything else goes through encoding/json.
func decodeEnvelope(b []byte) (*Envelope, error) {
	if e, ok := decodeCanonical(b); ok {
		return e, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var e Envelope
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("malformed entry: %v", err)
	}
	if dec.More() {
		return nil, errors.New("malformed entry: trailing data")
	}
	return &e, nil
}

// Validate checks the envelope's fields and its body against the schema of
// its type.
func (e *Envelope) Validate() error {
	switch {
	case e.Version != Version:
		return fmt.Errorf("unsupported entry version %d", e.Version)
	case !knownTypes[e.Type]:
		return fmt.Errorf("unknown entry type %q", e.Type)
	case !validID(e.ID):
		return fmt.Errorf("malformed entry id %q", e.ID)
	case e.Time <= 0:
		return fmt.Errorf("entry time %d is not after the epoch", e.Time)
	case !validID(e.Actor):
		return fmt.Errorf("malformed actor %q", e.Actor)
	}
	if err := e.Label.Validate(); err != nil {
		return fmt.Errorf("bad label: %w", err)
	}
	if e.Decision != nil {
		if err := e.Decision.Validate(); err != nil {
			return fmt.Errorf("bad decision: %w", err)
		}
	}
	if err := validateBody(e.Type, e.Body); err != nil {
		return fmt.Errorf("bad %s body: %w", e.Type, err)
	}
	return nil
}

// Timestamp returns the entry time as a time.Time in UTC.
func (e *Envelope) Timestamp() time.Time { return time.Unix(0, e.Time).UTC() }

// validID reports whether s is 1 to 128 printable ASCII characters with no
// space, quote, backslash or path separator.
func validID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c > '~' || c == '"' || c == '\\' || c == '/' {
			return false
		}
	}
	return true
}

// Decode reads an envelope that a strict check (Parse, by the guard) has
// already accepted, for readers such as report generators: it rejects
// unknown fields, trailing data, an unknown version or type and an
// oversized encoding, but does not re-encode the entry or check its body,
// which makes it several times cheaper than Parse. Never use it on input
// that has not passed Parse.
func Decode(b []byte) (*Envelope, error) {
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(b), MaxSize)
	}
	e, err := decodeEnvelope(b)
	if err != nil {
		return nil, err
	}
	if e.Version != Version {
		return nil, fmt.Errorf("unsupported entry version %d", e.Version)
	}
	if !knownTypes[e.Type] {
		return nil, fmt.Errorf("unknown entry type %q", e.Type)
	}
	return e, nil
}
