package verify

import (
	"fmt"

	"bastion/shared/batch"
	"bastion/shared/merkle"
)

// Anchor is an independent statement of how far the archive must reach:
// a signed checkpoint the auditor obtained elsewhere (the portal, a
// regulator's copy, a published bulletin), or a bare minimum size.
//
// An export directory alone cannot prove its own end. Deleting the last
// batches and putting back an earlier batch's signed checkpoint leaves an
// archive that is internally consistent; the chain-head file is not
// signed, so it can be rewritten to match. Only a checkpoint from outside
// the archive shows that more was published.
type Anchor struct {
	// Source names where the anchor came from, for problems (a file name).
	Source string `json:"source"`
	// Size is the ledger size the archive must reach.
	Size uint64 `json:"size"`
	// Root is the root at Size; nil for a bare minimum size.
	Root *merkle.Hash `json:"root,omitempty"`
}

// OpenAnchor opens a signed checkpoint note with the key valid at its size
// (KeyRing.Open) and returns it as an anchor from source. It returns the
// errors of KeyRing.Open.
func (r *KeyRing) OpenAnchor(source string, note []byte) (Anchor, error) {
	cp, err := r.Open(note)
	if err != nil {
		return Anchor{}, fmt.Errorf("checkpoint %s: %w", source, err)
	}
	root := cp.Root
	return Anchor{Source: source, Size: cp.Size, Root: &root}, nil
}

// MinSize returns an anchor that only demands the archive reach size n.
func MinSize(n uint64) Anchor { return Anchor{Source: "--min-size", Size: n} }

// Options tune ArchiveWith. The zero value checks with batch.Limits{} and
// no anchor.
type Options struct {
	// Limits bound the batch files parsed.
	Limits batch.Limits
	// Anchors are independent checkpoints or minimum sizes the archive
	// must reach; see Anchor.
	Anchors []Anchor
}

// checkAnchors compares the end of the replay with each anchor.
func checkAnchors(rp *Replay, anchors []Anchor) []Problem {
	var ps []Problem
	end := rp.Head().Size
	for _, a := range anchors {
		if p, bad := checkAnchor(rp, end, a); bad {
			ps = append(ps, p)
		}
	}
	return ps
}

// checkAnchor compares the replay, which ends at ledger size end, with a.
func checkAnchor(rp *Replay, end uint64, a Anchor) (Problem, bool) {
	switch {
	case end < a.Size && a.Root == nil:
		return problem(KindAnchor, 0, "archive ends at size %d, but %s requires %d", end, a.Source, a.Size), true
	case end < a.Size:
		return problem(KindAnchor, 0, "archive ends at size %d, but the signed checkpoint from %s covers %d",
			end, a.Source, a.Size), true
	case a.Root == nil:
		return Problem{}, false
	}
	got, ok := rp.RootAt(a.Size)
	switch {
	case !ok:
		return problem(KindAnchor, 0, "root at size %d (signed checkpoint from %s) cannot be rebuilt "+
			"from this archive; see the problems above", a.Size, a.Source), true
	case got != *a.Root:
		return problem(KindAnchor, 0, "root at size %d differs: archive %s, signed checkpoint from %s %s",
			a.Size, got, a.Source, *a.Root), true
	}
	return Problem{}, false
}

// String describes the anchor for the report header.
func (a Anchor) String() string {
	if a.Root == nil {
		return fmt.Sprintf("size at least %d (%s)", a.Size, a.Source)
	}
	return fmt.Sprintf("size %d, root %s (signed checkpoint from %s)", a.Size, *a.Root, a.Source)
}
