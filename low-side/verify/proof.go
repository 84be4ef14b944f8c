package verify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"bastion/shared/checkpoint"
	"bastion/shared/merkle"
)

// ProofFormat names the inclusion proof file format.
const ProofFormat = "bastion-inclusion-proof-v1"

// MaxProofSize bounds a proof file, in bytes: a checkpoint note, an entry
// and at most 64 path hashes fit well within it.
const MaxProofSize = 1 << 20

// maxPathLen is the longest audit path of a tree of at most 2^64 leaves.
const maxPathLen = 64

// Proof errors.
var (
	// ErrProofMalformed is returned by ParseProof for a file that is not a
	// well-formed proof.
	ErrProofMalformed = errors.New("malformed inclusion proof")
	// ErrProofMismatch is returned by Proof.Verify when the leaf, the path
	// and the checkpoint do not agree.
	ErrProofMismatch = errors.New("inclusion proof does not verify")
)

// Proof is the inclusion proof of one ledger entry in a signed checkpoint,
// as a file a person downloads and checks offline (RFC 6962 §2.1.1 audit
// path, checkpoint in the C2SP tlog-checkpoint signed-note form).
type Proof struct {
	Format string `json:"format"`
	// Index is the entry's ledger index, from 0.
	Index uint64 `json:"index"`
	// TreeSize is the checkpoint's size, repeated here for readers.
	TreeSize uint64 `json:"tree_size"`
	// LeafHash is the RFC 6962 leaf hash of the entry's stored bytes.
	LeafHash merkle.Hash `json:"leaf_hash"`
	// Entry is the entry's stored bytes, or nil when the file proves the
	// leaf hash only. The portal leaves it out for an entry above the
	// release label, whose bytes never crossed the diode, or one it does
	// not hold; the format records no reason, so a reader cannot tell
	// which, nor an entry deleted from the file.
	Entry []byte `json:"entry,omitempty"`
	// Path is the audit path, from the leaf's sibling up.
	Path []merkle.Hash `json:"audit_path"`
	// Checkpoint is the whole signed checkpoint note.
	Checkpoint string `json:"checkpoint"`
}

// ParseProof decodes a proof file strictly: no unknown fields, no trailing
// data, every field but entry present (requiredProofFields), the expected
// format, a path no longer than 64 and an index below the tree size. It
// returns an error wrapping ErrProofMalformed.
func ParseProof(b []byte) (*Proof, error) {
	if len(b) > MaxProofSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrProofMalformed, len(b), MaxProofSize)
	}
	var p Proof
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrProofMalformed, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data", ErrProofMalformed)
	}
	if err := checkProofFields(b, p.TreeSize); err != nil {
		return nil, err
	}
	switch {
	case p.Format != ProofFormat:
		return nil, fmt.Errorf("%w: format %q, want %q", ErrProofMalformed, p.Format, ProofFormat)
	case len(p.Path) > maxPathLen:
		return nil, fmt.Errorf("%w: audit path of %d hashes", ErrProofMalformed, len(p.Path))
	case p.Index >= p.TreeSize:
		return nil, fmt.Errorf("%w: index %d not below tree size %d", ErrProofMalformed, p.Index, p.TreeSize)
	}
	return &p, nil
}

// requiredProofFields are the fields of a proof file that must be present
// and not null, in the order of the format. A missing one would otherwise
// read as zero: a missing leaf hash as the hash of all zero bytes.
var requiredProofFields = []string{"format", "index", "tree_size", "leaf_hash", "audit_path", "checkpoint"}

// checkProofFields returns an error wrapping ErrProofMalformed naming the
// first required field b, a JSON object, lacks or holds as null, or an
// empty checkpoint. An audit_path of null is an empty path (Marshal writes
// it so) and stands for a tree of size 1 only, where the path is empty.
func checkProofFields(b []byte, treeSize uint64) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return fmt.Errorf("%w: %v", ErrProofMalformed, err)
	}
	for _, name := range requiredProofFields {
		v, ok := fields[name]
		if ok && string(v) == "null" && name == "audit_path" && treeSize == 1 {
			continue
		}
		if !ok || string(v) == "null" {
			return fmt.Errorf("%w: %s missing", ErrProofMalformed, name)
		}
	}
	if string(fields["checkpoint"]) == `""` {
		return fmt.Errorf("%w: checkpoint empty", ErrProofMalformed)
	}
	return nil
}

// Marshal returns the proof file: indented JSON with a final newline.
func (p *Proof) Marshal() []byte {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		panic(err) // every field marshals
	}
	return append(b, '\n')
}

// Verify checks the proof: the checkpoint note's signatures with open
// (KeyRing.Open, or Key.Open), the entry's leaf hash when the entry is
// present, the tree size, and the audit path against the signed root
// (RFC 6962 §2.1.1). It returns the opened checkpoint, or an error
// wrapping ErrProofMismatch or the signature error.
func (p *Proof) Verify(open func(note []byte) (checkpoint.Checkpoint, error)) (checkpoint.Checkpoint, error) {
	cp, err := open([]byte(p.Checkpoint))
	if err != nil {
		return cp, fmt.Errorf("checkpoint: %w", err)
	}
	return cp, p.VerifyAgainst(cp)
}

// VerifyAgainst checks the proof against a checkpoint whose signature was
// already verified (or is not to be): leaf hash, size and audit path.
func (p *Proof) VerifyAgainst(cp checkpoint.Checkpoint) error {
	if p.Entry != nil && merkle.LeafHash(p.Entry) != p.LeafHash {
		return fmt.Errorf("%w: the entry's leaf hash is %s, the proof says %s", ErrProofMismatch,
			merkle.LeafHash(p.Entry), p.LeafHash)
	}
	if cp.Size != p.TreeSize {
		return fmt.Errorf("%w: checkpoint size %d, the proof says %d", ErrProofMismatch, cp.Size, p.TreeSize)
	}
	if err := merkle.VerifyInclusion(p.Index, cp.Size, p.LeafHash, p.Path, cp.Root); err != nil {
		return fmt.Errorf("%w: leaf %d in tree of size %d: %v", ErrProofMismatch, p.Index, cp.Size, err)
	}
	return nil
}
