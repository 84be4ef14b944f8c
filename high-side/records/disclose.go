package records

import (
	"fmt"
	"time"

	"bastion/shared/checkpoint"
	"bastion/shared/disclosure"
	"bastion/shared/entry"
	"bastion/shared/merkle"
)

// DisclosureSource is what issuing a disclosure reads; *ledger.Reader
// satisfies it.
type DisclosureSource interface {
	OpeningReader
	Entry(index uint64) ([]byte, error)
	Root(size uint64) (merkle.Hash, error)
	InclusionProof(index, size uint64) ([]merkle.Hash, error)
}

// Request asks for the disclosure of one field of one entry.
type Request struct {
	Index  uint64    // ledger index of the entry
	Field  string    // committed field to reveal (entry.FieldAccount, ...)
	Issuer string    // who asks for it, recorded in the statement
	At     time.Time // when it is issued
}

// Disclose issues a signed disclosure of req.Field of the entry at
// req.Index, proven in the signed checkpoint note (normally the latest
// exported one). It checks before signing that the note's tree is this
// ledger's (same root at its size) and includes the entry, and that the
// stored opening opens the entry's commitment, so that it never signs a
// statement that would not verify. It returns ErrShredded when the value
// was destroyed, ErrNoField for a field the entry does not hold, and the
// signer's error.
func Disclose(src DisclosureSource, note []byte, req Request, s disclosure.Signer) ([]byte, error) {
	cp, err := noteCheckpoint(note)
	if err != nil {
		return nil, err
	}
	if req.Index >= cp.Size {
		return nil, fmt.Errorf("entry %d is not covered by the checkpoint of size %d", req.Index, cp.Size)
	}
	root, err := src.Root(cp.Size)
	if err != nil {
		return nil, err
	}
	if root != cp.Root {
		return nil, fmt.Errorf("checkpoint root %s differs from the ledger's %s at size %d", cp.Root, root, cp.Size)
	}
	op, err := Opening(src, req.Index, req.Field)
	if err != nil {
		return nil, err
	}
	raw, err := src.Entry(req.Index)
	if err != nil {
		return nil, err
	}
	proof, err := src.InclusionProof(req.Index, cp.Size)
	if err != nil {
		return nil, err
	}
	d := &disclosure.Disclosure{Version: disclosure.Version, Origin: cp.Origin, Index: req.Index,
		Field: req.Field, Value: op.Value, Salt: op.Salt, Entry: raw, Proof: proof,
		Checkpoint: string(note), Issuer: req.Issuer, Issued: req.At.UnixNano()}
	if err := checkOpening(d); err != nil {
		return nil, err
	}
	return disclosure.Sign(d, s)
}

// noteCheckpoint parses a signed note's checkpoint without verifying its
// signatures (the verifier does that).
func noteCheckpoint(note []byte) (checkpoint.Checkpoint, error) {
	n, err := checkpoint.ParseNote(note)
	if err != nil {
		return checkpoint.Checkpoint{}, err
	}
	return checkpoint.Parse(n.Text)
}

// checkOpening checks that d's opening opens its entry's commitment.
func checkOpening(d *disclosure.Disclosure) error {
	e, err := entry.Decode(d.Entry)
	if err != nil {
		return err
	}
	c, err := e.Commitment(d.Field)
	if err != nil {
		return err
	}
	if !d.Opening().Matches(c) {
		return fmt.Errorf("stored opening of entry %d field %q does not open its commitment", d.Index, d.Field)
	}
	return nil
}
