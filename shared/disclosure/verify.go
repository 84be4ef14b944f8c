package disclosure

import (
	"fmt"

	"bastion/shared/checkpoint"
	"bastion/shared/entry"
	"bastion/shared/hybrid"
	"bastion/shared/merkle"
)

// Key is the high side's signing key as a verifier knows it: the note key
// name printed on checkpoint signature lines and the composite public key.
type Key struct {
	Name   string
	Public *hybrid.PublicKey
}

// Signer makes hybrid signatures; hybrid.SoftwareSigner and the HSM
// signer satisfy it.
type Signer interface {
	Sign(msg, ctx []byte) ([]byte, error)
}

// Sign sets d.Signature to a signature by s over d's canonical encoding
// without the signature, under Context, and returns the signed encoding.
// It returns a validation error wrapping ErrMalformed or the signer's
// error; d is unchanged on error.
func Sign(d *Disclosure, s Signer) ([]byte, error) {
	msg, err := d.signedBytes()
	if err != nil {
		return nil, err
	}
	sig, err := s.Sign(msg, []byte(Context))
	if err != nil {
		return nil, fmt.Errorf("failed to sign disclosure: %w", err)
	}
	c := *d
	c.Signature = sig
	b, err := c.Marshal()
	if err != nil {
		return nil, err
	}
	d.Signature = sig
	return b, nil
}

// Result is what a verified disclosure establishes.
type Result struct {
	Checkpoint checkpoint.Checkpoint // the signed checkpoint the entry is in
	Entry      *entry.Envelope       // the entry, parsed
	Leaf       merkle.Hash           // its RFC 6962 leaf hash
	Commitment string                // the field's commitment in the entry
}

// Verify checks d completely against key, in this order: the statement's
// signature (ErrBadSignature); the checkpoint note's signature by key and
// its origin (ErrBadCheckpoint); the entry's strict parse (ErrMalformed);
// the inclusion of its leaf hash at Index in the checkpoint's tree
// (ErrNotIncluded, RFC 9162 §2.1.3.2); and that Value and Salt open the
// entry's commitment of Field (ErrWrongOpening). Each error names what
// failed.
func Verify(d *Disclosure, key Key) (*Result, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	msg, err := d.signedBytes()
	if err != nil {
		return nil, err
	}
	if err := key.Public.Verify(msg, []byte(Context), d.Signature); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	cp, err := openCheckpoint(d, key)
	if err != nil {
		return nil, err
	}
	env, err := entry.Parse(d.Entry)
	if err != nil {
		return nil, fmt.Errorf("%w: entry: %v", ErrMalformed, err)
	}
	leaf := merkle.LeafHash(d.Entry)
	if err := merkle.VerifyInclusion(d.Index, cp.Size, leaf, d.Proof, cp.Root); err != nil {
		return nil, fmt.Errorf("%w: index %d, size %d: %v", ErrNotIncluded, d.Index, cp.Size, err)
	}
	c, err := env.Commitment(d.Field)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWrongOpening, err)
	}
	if !d.Opening().Matches(c) {
		return nil, fmt.Errorf("%w: field %q of entry %d", ErrWrongOpening, d.Field, d.Index)
	}
	return &Result{Checkpoint: cp, Entry: env, Leaf: leaf, Commitment: c}, nil
}

// openCheckpoint opens the enclosed note with key and checks its origin.
func openCheckpoint(d *Disclosure, key Key) (checkpoint.Checkpoint, error) {
	nk, err := checkpoint.HybridKey(key.Name, string(key.Public.Suite()), key.Public.Bytes())
	if err != nil {
		return checkpoint.Checkpoint{}, fmt.Errorf("%w: %v", ErrBadCheckpoint, err)
	}
	cp, err := checkpoint.Open([]byte(d.Checkpoint), nk, key.Public)
	if err != nil {
		return checkpoint.Checkpoint{}, fmt.Errorf("%w: %v", ErrBadCheckpoint, err)
	}
	if cp.Origin != d.Origin {
		return checkpoint.Checkpoint{}, fmt.Errorf("%w: origin %q, statement says %q", ErrBadCheckpoint, cp.Origin, d.Origin)
	}
	return cp, nil
}
