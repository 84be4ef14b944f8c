package batch

import (
	"fmt"

	"bastion/shared/checkpoint"
	"bastion/shared/entry"
)

// validate checks the fields of b against the format's rules and limits;
// Parse and Sign share it, so nothing is written that would not be read.
func (b *Batch) validate(limits Limits) error {
	switch {
	case !checkpoint.ValidLink(b.Link):
		return fmt.Errorf("%w: link: invalid name %q", ErrMalformed, b.Link)
	case b.Seq == 0:
		return fmt.Errorf("%w: seq: 0, sequence numbers start at 1", ErrMalformed)
	case len(b.Items) > limits.MaxItems:
		return fmt.Errorf("%w: count: %d items exceed %d", ErrMalformed, len(b.Items), limits.MaxItems)
	case b.First > checkpoint.MaxSize-uint64(len(b.Items)):
		return fmt.Errorf("%w: first: %d + %d items overflows the ledger size", ErrMalformed, b.First, len(b.Items))
	case len(b.Proof) > MaxProof:
		return fmt.Errorf("%w: proof: %d hashes, at most %d", ErrMalformed, len(b.Proof), MaxProof)
	case (b.First == 0 || len(b.Items) == 0) && len(b.Proof) != 0:
		return fmt.Errorf("%w: proof: must be empty from size %d to %d", ErrMalformed, b.First, b.End())
	case len(b.Signature) > MaxSignatureSize:
		return fmt.Errorf("%w: signature: %d bytes, at most %d", ErrMalformed, len(b.Signature), MaxSignatureSize)
	}
	if err := b.validateNotes(); err != nil {
		return err
	}
	for i, it := range b.Items {
		if it.Entry != nil {
			field := fmt.Sprintf("item %d (ledger index %d)", i, b.First+uint64(i))
			if err := checkEntryLen(field, len(it.Entry)); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkEntryLen checks the length of a full item's entry.
func checkEntryLen(field string, n int) error {
	switch {
	case n == 0:
		return fmt.Errorf("%w: %s: empty entry", ErrMalformed, field)
	case n > entry.MaxSize:
		return fmt.Errorf("%w: %s: entry length %d exceeds %d", ErrMalformed, field, n, entry.MaxSize)
	}
	return nil
}

// validateNotes checks that Prev is present exactly when First > 0 and that
// both notes are well-formed checkpoints of this link at the right sizes.
func (b *Batch) validateNotes() error {
	if b.First == 0 && len(b.Prev) != 0 {
		return fmt.Errorf("%w: prev: must be empty when first is 0", ErrMalformed)
	}
	if b.First > 0 {
		if err := checkNote(b.Prev, b.Link, b.First); err != nil {
			return fmt.Errorf("%w: prev: %v", ErrMalformed, err)
		}
	}
	if err := checkNote(b.Checkpoint, b.Link, b.End()); err != nil {
		return fmt.Errorf("%w: checkpoint: %v", ErrMalformed, err)
	}
	return nil
}

// checkNote parses a signed checkpoint note without verifying it and
// checks its origin and size.
func checkNote(note []byte, link string, size uint64) error {
	if len(note) == 0 {
		return fmt.Errorf("missing")
	}
	if len(note) > checkpoint.MaxNoteSize {
		return fmt.Errorf("%d bytes, at most %d", len(note), checkpoint.MaxNoteSize)
	}
	n, err := checkpoint.ParseNote(note)
	if err != nil {
		return err
	}
	c, err := checkpoint.Parse(n.Text)
	if err != nil {
		return err
	}
	if want := checkpoint.OriginFor(link); c.Origin != want {
		return fmt.Errorf("origin %q, want %q", c.Origin, want)
	}
	if c.Size != size {
		return fmt.Errorf("covers %d entries, want %d", c.Size, size)
	}
	return nil
}
