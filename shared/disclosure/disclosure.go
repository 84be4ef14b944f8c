// Package disclosure is the signed statement that reveals one committed
// field of one ledger entry.
//
// Entries hold salted commitments in place of sensitive values (see
// entry.Commit). A disclosure carries the entry's bytes, the field's value
// and salt, the RFC 6962 inclusion proof of the entry in a signed
// checkpoint, and the high side's hybrid signature over all of it. Anyone
// holding the high side's published key can check it offline (Verify):
// the value and salt open the entry's commitment, the entry is included
// in the checkpoint, the checkpoint and the statement are signed by the
// key. Nothing else of the entry's sensitive values is revealed.
//
// The encoding is canonical JSON in the field order of Disclosure, with
// no insignificant white space; Parse accepts exactly that form, so a
// statement has one byte form and its signature covers it exactly.
package disclosure

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"bastion/shared/checkpoint"
	"bastion/shared/entry"
	"bastion/shared/merkle"
)

// Version is the statement version this package writes and accepts.
const Version = 1

// Context is the application context of every disclosure signature. It
// keeps disclosure signatures apart from checkpoint and batch signatures
// made with the same key.
const Context = "bastion-disclosure-v1"

// Limits enforced by Parse and Validate.
const (
	// MaxSize is the largest encoded statement, in bytes.
	MaxSize = 256 << 10
	// MaxProof is the longest inclusion proof, in hashes (a tree of 2^64
	// leaves needs 64).
	MaxProof = 64
	// MaxValue is the longest disclosed value, in bytes.
	MaxValue = 1024
	// MaxCheckpoint is the largest signed checkpoint note, in bytes.
	MaxCheckpoint = 64 << 10
	// MaxSignature is the largest signature, in bytes.
	MaxSignature = 16 << 10
)

// Errors returned by Parse and Verify.
var (
	// ErrMalformed is returned for bytes that are not one valid statement
	// in its canonical form.
	ErrMalformed = errors.New("malformed disclosure")
	// ErrBadSignature is returned when the statement's signature does not
	// verify with the given key.
	ErrBadSignature = errors.New("disclosure signature does not verify")
	// ErrBadCheckpoint is returned when the enclosed checkpoint is not
	// signed by the given key or is malformed.
	ErrBadCheckpoint = errors.New("disclosure checkpoint does not verify")
	// ErrNotIncluded is returned when the entry is not included in the
	// checkpoint's tree by the enclosed proof.
	ErrNotIncluded = errors.New("entry not included in checkpoint")
	// ErrWrongOpening is returned when the value and salt do not open the
	// entry's commitment of the field.
	ErrWrongOpening = errors.New("value does not open the entry's commitment")
)

// Disclosure is one signed statement. Field order is the canonical
// encoding order; byte slices are standard base64 in JSON.
type Disclosure struct {
	Version    int           `json:"v"`
	Origin     string        `json:"origin"`     // the checkpoint's origin line
	Index      uint64        `json:"index"`      // ledger index of the entry
	Field      string        `json:"field"`      // the committed field revealed
	Value      string        `json:"value"`      // its value
	Salt       []byte        `json:"salt"`       // its commitment salt
	Entry      []byte        `json:"entry"`      // the entry's bytes as recorded
	Proof      []merkle.Hash `json:"proof"`      // audit path of Index in the checkpoint
	Checkpoint string        `json:"checkpoint"` // the signed checkpoint note
	Issuer     string        `json:"issuer"`     // who had it issued (an actor)
	Issued     int64         `json:"issued_ns"`  // when, ns since the epoch, UTC
	Signature  []byte        `json:"sig,omitempty"`
}

// Opening returns the revealed field as an entry.Opening.
func (d *Disclosure) Opening() entry.Opening {
	return entry.Opening{Field: d.Field, Salt: bytes.Clone(d.Salt), Value: d.Value}
}

// Validate checks the fields' shapes and limits, not any signature or
// proof. It returns an error wrapping ErrMalformed naming the field.
func (d *Disclosure) Validate() error {
	switch {
	case d.Version != Version:
		return fmt.Errorf("%w: unsupported version %d", ErrMalformed, d.Version)
	case d.Origin == "" || len(d.Origin) > checkpoint.MaxOriginLen:
		return fmt.Errorf("%w: origin of %d bytes", ErrMalformed, len(d.Origin))
	case !validField(d.Field):
		return fmt.Errorf("%w: field name %q", ErrMalformed, d.Field)
	case len(d.Value) > MaxValue:
		return fmt.Errorf("%w: value of %d bytes, at most %d", ErrMalformed, len(d.Value), MaxValue)
	case len(d.Salt) != entry.SaltSize:
		return fmt.Errorf("%w: salt of %d bytes, want %d", ErrMalformed, len(d.Salt), entry.SaltSize)
	case len(d.Entry) == 0 || len(d.Entry) > entry.MaxSize:
		return fmt.Errorf("%w: entry of %d bytes", ErrMalformed, len(d.Entry))
	case len(d.Proof) > MaxProof:
		return fmt.Errorf("%w: proof of %d hashes, at most %d", ErrMalformed, len(d.Proof), MaxProof)
	case d.Checkpoint == "" || len(d.Checkpoint) > MaxCheckpoint:
		return fmt.Errorf("%w: checkpoint of %d bytes", ErrMalformed, len(d.Checkpoint))
	case !validIssuer(d.Issuer):
		return fmt.Errorf("%w: issuer %q", ErrMalformed, d.Issuer)
	case d.Issued <= 0:
		return fmt.Errorf("%w: issued_ns %d is not after the epoch", ErrMalformed, d.Issued)
	case len(d.Signature) > MaxSignature:
		return fmt.Errorf("%w: signature of %d bytes", ErrMalformed, len(d.Signature))
	}
	return nil
}

// Marshal validates d and returns its canonical encoding, with the
// signature when d has one.
func (d *Disclosure) Marshal() ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("failed to encode disclosure: %v", err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrMalformed, len(b), MaxSize)
	}
	return b, nil
}

// signedBytes returns the bytes the signature covers: the canonical
// encoding without the signature.
func (d *Disclosure) signedBytes() ([]byte, error) {
	c := *d
	c.Signature = nil
	return c.Marshal()
}

// Parse decodes one signed statement in its canonical form. It rejects
// unknown fields, trailing data, a missing signature and any other byte
// form, with an error wrapping ErrMalformed. It checks no signature; see
// Verify.
func Parse(b []byte) (*Disclosure, error) {
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrMalformed, len(b), MaxSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var d Disclosure
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data", ErrMalformed)
	}
	if len(d.Signature) == 0 {
		return nil, fmt.Errorf("%w: unsigned", ErrMalformed)
	}
	again, err := d.Marshal()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, b) {
		return nil, fmt.Errorf("%w: not the canonical encoding", ErrMalformed)
	}
	return &d, nil
}

// validField reports whether s is 1 to 32 characters of a-z, 0-9, '-'
// and '_', the form of entry field names.
func validField(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// validIssuer reports whether s is 1 to 128 printable ASCII characters
// with no space, quote, backslash or slash (the rule for entry actors).
func validIssuer(s string) bool {
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
