package verify

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"bastion/shared/checkpoint"
)

// checkCosignatures checks the cosignatures of note against the ring's
// quorum and returns the names of the nodes whose cosignature verified,
// in the order of the quorum's keys; nil when the ring demands none.
//
// Beyond checkpoint.Quorum.Check, a line under the name of a trusted node
// but with another key id is a failure, not an unknown key to skip: a
// flipped bit in the id must not turn a bad cosignature into an absent
// one that a large enough quorum would forgive. Lines of the ring's own
// keys are left to Open. It returns ErrBadSignature naming the node, or
// ErrNoQuorum naming the nodes without a cosignature.
func (r *KeyRing) checkCosignatures(note []byte) ([]string, error) {
	q := r.cosigners
	if q.Required == 0 {
		return nil, nil
	}
	n, err := checkpoint.ParseNote(note)
	if err != nil {
		return nil, err
	}
	for _, s := range n.Signatures {
		if r.ownLine(s) {
			continue
		}
		for _, k := range q.Keys {
			if s.Name == k.Name && s.KeyID != k.Key().ID {
				return nil, fmt.Errorf("%w: cosignature line of %s has key id %08x, the cosigner key given is %s",
					checkpoint.ErrBadSignature, k.Name, s.KeyID, k.Key())
			}
		}
	}
	signed, err := q.Check(note)
	if errors.Is(err, checkpoint.ErrNoQuorum) {
		return signed, noQuorum(q, signed)
	}
	return signed, err
}

// ownLine reports whether s is the signature line of a key of the ring.
func (r *KeyRing) ownLine(s checkpoint.Signature) bool {
	for _, e := range r.epochs {
		if s.Name == e.Key.NoteKey.Name && s.KeyID == e.Key.NoteKey.ID {
			return true
		}
	}
	return false
}

// noQuorum describes a quorum not reached: how many verified and which
// trusted nodes have no cosignature on the note.
func noQuorum(q checkpoint.Quorum, signed []string) error {
	var missing []string
	for _, k := range q.Keys {
		if !slices.Contains(signed, k.Name) {
			missing = append(missing, k.Name)
		}
	}
	got := "none"
	if len(signed) > 0 {
		got = strings.Join(signed, ", ")
	}
	return fmt.Errorf("%w: %d of %d required (verified: %s; no cosignature by %s)",
		checkpoint.ErrNoQuorum, len(signed), q.Required, got, strings.Join(missing, ", "))
}

// UncheckedSigners returns the names on the signature lines of note that
// Open does not check: lines by neither a key of the ring nor a required
// cosigner key. Without RequireCosigners that is every cosignature. It
// returns nil for a note that does not parse.
func (r *KeyRing) UncheckedSigners(note []byte) []string {
	n, err := checkpoint.ParseNote(note)
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range n.Signatures {
		if !r.ownLine(s) && !r.cosignerLine(s) {
			out = append(out, s.Name)
		}
	}
	return out
}

// cosignerLine reports whether s is by a required cosigner key.
func (r *KeyRing) cosignerLine(s checkpoint.Signature) bool {
	for _, k := range r.cosigners.Keys {
		if s.Name == k.Name && s.KeyID == k.Key().ID {
			return true
		}
	}
	return false
}

// Cosigned reports whether Open demands a quorum of cosignatures.
func (r *KeyRing) Cosigned() bool { return r.cosigners.Required > 0 }

// CosignerPolicy describes for reports what Open demands of cosignatures:
// "2 of node-1, node-2, node-3", or that they are not checked.
func (r *KeyRing) CosignerPolicy() string {
	if !r.Cosigned() {
		return "not checked (no cosigner key given)"
	}
	var names []string
	for _, k := range r.cosigners.Keys {
		names = append(names, k.Name)
	}
	return fmt.Sprintf("%d of %s", r.cosigners.Required, strings.Join(names, ", "))
}
