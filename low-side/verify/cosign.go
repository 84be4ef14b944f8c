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
// a *QuorumError (ErrNoQuorum) naming the nodes without a cosignature.
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
		return signed, r.noQuorum(signed, n)
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

// QuorumError is returned for a checkpoint whose cosignatures by the
// required keys fall short of the quorum. It wraps checkpoint.ErrNoQuorum.
type QuorumError struct {
	Required int      // cosignatures required
	Majority bool     // Required is the default, a majority of the keys given
	Signed   []string // nodes of the keys given whose cosignature verified
	Missing  []string // nodes of the keys given without a cosignature
	// Others names the cosignature lines of keys not given, which were
	// not checked and do not count.
	Others []string
}

// KeysPartial reports whether the shortfall may come from the keys given
// being only part of the cluster: the quorum is the default majority of
// them and the note carries cosignatures of other nodes. Such a note may
// carry the cluster's quorum; it cannot be judged without every node's
// key or a quorum stated for the keys given.
func (e *QuorumError) KeysPartial() bool { return e.Majority && len(e.Others) > 0 }

// Unwrap returns checkpoint.ErrNoQuorum.
func (e *QuorumError) Unwrap() error { return checkpoint.ErrNoQuorum }

// Error says how many verified and which trusted nodes have no
// cosignature; for KeysPartial, also what to give instead.
func (e *QuorumError) Error() string {
	msg := fmt.Sprintf("%v: %s", checkpoint.ErrNoQuorum, e.count())
	if e.KeysPartial() {
		msg += "; " + keysPartial(e.Others, e.Required)
	}
	return msg
}

// count is "1 of 2 required (verified: node-2; no cosignature by node-1)".
func (e *QuorumError) count() string {
	got := "none"
	if len(e.Signed) > 0 {
		got = strings.Join(e.Signed, ", ")
	}
	return fmt.Sprintf("%d of %d required (verified: %s; no cosignature by %s)",
		len(e.Signed), e.Required, got, strings.Join(e.Missing, ", "))
}

// keysPartial explains a KeysPartial shortfall of the default quorum
// required, with cosignatures by others, and names the flags to use.
func keysPartial(others []string, required int) string {
	return fmt.Sprintf("cosignatures by %s were not checked (no --cosigner key given): with only some nodes' "+
		"keys, a majority of them (%d) is not the cluster's quorum; give every node's --cosigner key, "+
		"or --quorum N, how many of the keys given must cosign each checkpoint",
		strings.Join(others, ", "), required)
}

// noQuorum describes a quorum not reached on note n, of which signed
// verified.
func (r *KeyRing) noQuorum(signed []string, n *checkpoint.Note) *QuorumError {
	e := &QuorumError{Required: r.cosigners.Required, Majority: r.majority, Signed: signed}
	for _, k := range r.cosigners.Keys {
		if !slices.Contains(signed, k.Name) {
			e.Missing = append(e.Missing, k.Name)
		}
	}
	for _, s := range n.Signatures {
		if !r.ownLine(s) && !r.cosignerLine(s) && !slices.Contains(e.Others, s.Name) {
			e.Others = append(e.Others, s.Name)
		}
	}
	return e
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
	policy := fmt.Sprintf("%d of %s", r.cosigners.Required, strings.Join(r.cosignerNames(), ", "))
	if r.majority {
		policy += " (default: a majority of the keys given)"
	}
	return policy
}

// cosignerNames returns the names of the required cosigner keys, in order.
func (r *KeyRing) cosignerNames() []string {
	var names []string
	for _, k := range r.cosigners.Keys {
		names = append(names, k.Name)
	}
	return names
}
