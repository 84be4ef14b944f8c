// Package verify checks a guard export directory offline: every batch's
// hybrid signature, the chain of signed checkpoints, every consistency
// proof, every leaf hash and the final root, the batch sequence, every full
// entry's schema, and the published checkpoint and chain head. It needs
// the high side's published key and nothing else: no network, no guard.
//
// Replay holds the checking state and takes one batch file at a time, so
// the guard's own self-check runs the same code over its archive.
//
// Tiles: the guard publishes the tile folder (package tiles) with every
// checkpoint, so an export whose ledger is not empty must hold it. The
// tiles are rebuilt from the batches and compared file by file, entry
// bundles included, and the root at the last checkpoint is recomputed
// from the tiles alone. An entry whose bytes were changed in a batch file
// is then named by ledger index (KindModified): its leaf hash differs
// from the published level-0 tile, and the batch signature fails. Each
// missing tile is a problem (KindTileMissing); a tile folder that is
// missing or holds no tile is one. The batches are checked all the same:
// a changed entry is then found by the batch signature and the root,
// which name the batch and its ledger range.
//
// Cosignatures: with a quorum required (KeyRing.RequireCosigners), each
// checkpoint's cosignatures are checked beside the chain. Checkpoints
// short of the quorum are one problem (KindQuorum) and the replay goes
// on, so the rest of the report is about the ledger, not about where
// the replay stopped.
//
// Per-record proof files in the export's proofs folder, if any, are
// checked too: signature, audit path, the checkpoint against the
// archive's at that size (KindFork) and the leaf against the tile.
//
// What cannot be detected from the archive alone: truncation. Deleting the
// last batches and putting back an earlier batch's signed checkpoint leaves
// an archive that is internally consistent, because every earlier
// checkpoint is genuinely signed and the chain-head file, which is not
// signed, can be rewritten to match. Nothing inside the directory says
// where the true end was. An auditor who holds a signed checkpoint obtained
// independently (from the portal, a regulator's copy, a published bulletin)
// passes it as an Anchor: the archive must then reach at least its size,
// with the identical root at that size (ArchiveWith).
package verify

import (
	"fmt"
	"strings"

	"bastion/shared/checkpoint"
	"bastion/shared/hybrid"
)

// Key is the high side's published key: the composite key that verifies
// batch signatures and its signed-note key for checkpoints.
type Key struct {
	Name    string
	Public  *hybrid.PublicKey
	NoteKey checkpoint.Key
}

// ParseKey parses a published key file (one line, hybrid.ParsePublicKeyText).
func ParseKey(text []byte) (*Key, error) {
	name, pk, err := hybrid.ParsePublicKeyText(text)
	if err != nil {
		return nil, err
	}
	nk, err := checkpoint.HybridKey(name, string(pk.Suite()), pk.Bytes())
	if err != nil {
		return nil, fmt.Errorf("failed to derive checkpoint key: %w", err)
	}
	return &Key{Name: name, Public: pk, NoteKey: nk}, nil
}

// Open opens a signed checkpoint note with k.
func (k *Key) Open(note []byte) (checkpoint.Checkpoint, error) {
	return checkpoint.Open(note, k.NoteKey, k.Public)
}

// Kind classifies a problem. The names are stable: scripts match on them.
type Kind string

// Problem kinds.
const (
	KindName        Kind = "unexpected_file"   // a name outside the allow-list
	KindMissing     Kind = "missing_batch"     // a gap in the batch sequence
	KindOrder       Kind = "order"             // file name and content disagree
	KindFormat      Kind = "malformed"         // a batch or withheld file does not parse
	KindSignature   Kind = "signature"         // the batch signature does not verify
	KindCheckpoint  Kind = "checkpoint"        // a checkpoint note does not open
	KindChain       Kind = "chain"             // Prev is not the previous checkpoint
	KindProof       Kind = "consistency_proof" // the consistency proof fails
	KindRoot        Kind = "root"              // recomputed root differs from the checkpoint
	KindEntry       Kind = "entry"             // a full entry fails its schema
	KindHead        Kind = "head"              // checkpoint or chain-head file disagrees or is missing
	KindAnchor      Kind = "anchor"            // the archive falls short of an independent checkpoint
	KindIO          Kind = "io"                // a file could not be read
	KindTruncated   Kind = "truncated"         // a batch file is cut short
	KindFork        Kind = "fork"              // two signed checkpoints of one size with different roots
	KindWrongKey    Kind = "wrong_key"         // nothing in the archive verifies under the key given
	KindModified    Kind = "entry_modified"    // an entry's leaf hash differs from the published tile
	KindTile        Kind = "tile"              // a tile file differs from the tile rebuilt from the batches
	KindTileMissing Kind = "tile_missing"      // a tile the ledger needs is not in the tile folder
	KindBundle      Kind = "entry_bundle"      // an entry bundle differs from the batches' entries
	KindTileRoot    Kind = "tile_root"         // the root computed from the tiles differs from the checkpoint
	KindProofFile   Kind = "proof_file"        // a per-record proof file does not verify
	KindQuorum      Kind = "cosign_quorum"     // checkpoints lack the cosignature quorum of the keys given
)

// Problem is one thing found wrong. Seq is the batch concerned (0 when
// none; batches are numbered from 1); Index is the ledger index of the
// first bad entry when it is known, else -1. A report lists a problem
// found in several batches once: Repeats counts the further times it was
// found, the last in batch LastSeq.
type Problem struct {
	Kind    Kind   `json:"kind"`
	Seq     uint64 `json:"batch_seq"`
	LastSeq uint64 `json:"last_batch_seq,omitempty"`
	Repeats int    `json:"repeats,omitempty"`
	Index   int64  `json:"ledger_index"`
	Detail  string `json:"detail"`
}

// String renders a problem for the text report: its kind, then the
// batches, the ledger index and the count when there are any, then the
// detail. A problem about no batch names none.
func (p Problem) String() string {
	var where []string
	switch {
	case p.LastSeq > p.Seq:
		where = append(where, fmt.Sprintf("batches %d to %d", p.Seq, p.LastSeq))
	case p.Seq > 0:
		where = append(where, fmt.Sprintf("batch %d", p.Seq))
	}
	if p.Index >= 0 {
		where = append(where, fmt.Sprintf("ledger index %d", p.Index))
	}
	if p.Repeats > 0 {
		where = append(where, fmt.Sprintf("%d times", p.Repeats+1))
	}
	if len(where) == 0 {
		return fmt.Sprintf("%s: %s", p.Kind, p.Detail)
	}
	return fmt.Sprintf("%s: %s: %s", p.Kind, strings.Join(where, ", "), p.Detail)
}

// sameAs reports whether q is p found again: the same kind, detail and
// ledger index, about a batch if and only if p is.
func (p Problem) sameAs(q Problem) bool {
	return p.Kind == q.Kind && p.Detail == q.Detail && p.Index == q.Index && (p.Seq == 0) == (q.Seq == 0)
}

// repeat counts p found again in batch seq.
func (p *Problem) repeat(seq uint64) {
	p.Repeats++
	p.Seq, p.LastSeq = min(p.Seq, seq), max(p.Seq, p.LastSeq, seq)
}

func problem(k Kind, seq uint64, format string, a ...any) Problem {
	return Problem{Kind: k, Seq: seq, Index: -1, Detail: fmt.Sprintf(format, a...)}
}
