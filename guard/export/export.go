// Package export defines the guard's export directory: the files the guard
// publishes after a batch is durable in its archive, and that the portal
// and bastion-verify read.
//
// Layout, below the export root:
//
//	batches/<seq>.batch   the raw signed batch exactly as received and
//	                      accepted; <seq> is the batch sequence number as
//	                      20 decimal digits, zero-padded. Mode 0444, never
//	                      rewritten.
//	batches/<seq>.withheld
//	                      instead of .batch, for a genuine batch whose
//	                      content the guard's policy refused: its signed
//	                      checkpoints and leaf hashes only (Withheld).
//	checkpoint            the latest accepted signed checkpoint note,
//	                      replaced atomically.
//	keys/<name>.pub       the published public keys the guard trusts, in
//	                      the one-line text form of package hybrid, copied
//	                      in at start. <name> is the key's own name.
//	chain-head            the archive's head as text (ChainHead).
//
// Every file is written to a temporary file in the same folder, synced,
// renamed into place and the folder synced, so a reader sees either the
// old or the new content, never a part (POSIX rename(2) atomicity).
//
// Every file name the guard writes is built from a validated integer
// (batches) or a name that passed an allow-list (keys); names read back
// from the folder are parsed against the same allow-lists before use.
package export

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"bastion/shared/hybrid"
)

// Names of the fixed parts of the export directory.
const (
	BatchesDir     = "batches"
	CheckpointFile = "checkpoint"
	KeysDir        = "keys"
	ChainHeadFile  = "chain-head"
)

// batchExt ends every batch file name.
const batchExt = ".batch"

// keyExt ends every key file name.
const keyExt = ".pub"

// seqDigits is the width of the decimal sequence number in a batch name;
// 20 digits hold every uint64.
const seqDigits = 20

// Errors returned by this package.
var (
	// ErrBadName is returned for a file name outside the allow-list.
	ErrBadName = errors.New("file name not allowed")
	// ErrConflict is returned when a batch file already exists with other
	// bytes.
	ErrConflict = errors.New("batch file exists with different content")
	// ErrChainHead is returned for a malformed chain-head file.
	ErrChainHead = errors.New("malformed chain head")
)

// BatchName returns the file name of batch seq: 20 digits and ".batch".
func BatchName(seq uint64) string {
	return fmt.Sprintf("%0*d%s", seqDigits, seq, batchExt)
}

// ParseBatchName returns the sequence number a batch file name encodes and
// whether it names a withheld batch. It accepts exactly 20 decimal digits
// followed by ".batch" or ".withheld" and returns ErrBadName for anything
// else, including names with separators, dots or quotes.
func ParseBatchName(name string) (seq uint64, withheld bool, err error) {
	digits, ok := strings.CutSuffix(name, batchExt)
	if !ok {
		digits, withheld = strings.CutSuffix(name, withheldExt)
		ok = withheld
	}
	if !ok || len(digits) != seqDigits || !allDigits(digits) {
		return 0, false, fmt.Errorf("%w: %q is not a batch file name", ErrBadName, name)
	}
	seq, err = strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("%w: %q is out of range", ErrBadName, name)
	}
	return seq, withheld, nil
}

// KeyFileName returns the file name of the published key called name. It
// returns ErrBadName unless name satisfies hybrid.ValidKeyName (1 to 64
// characters of [A-Za-z0-9._-], not starting with a dot).
func KeyFileName(name string) (string, error) {
	if !hybrid.ValidKeyName(name) {
		return "", fmt.Errorf("%w: key name %q", ErrBadName, name)
	}
	return name + keyExt, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Chain is an archive chain hash.
type Chain [sha256.Size]byte

// chainGenesisText seeds the chain.
const chainGenesisText = "bastion-guard-archive-v1"

// GenesisChain returns the chain hash before the first record:
// SHA-256("bastion-guard-archive-v1").
func GenesisChain() Chain { return sha256.Sum256([]byte(chainGenesisText)) }

// NextChain returns SHA-256(prev || record) where record is the archive
// record of one accepted batch:
//
//	seq (8 bytes) || len(raw) (8 bytes) || raw || len(cp) (8 bytes) || cp
//
// with integers big-endian, raw the batch bytes and cp the batch's new
// signed checkpoint note. Anyone holding the batch files can recompute the
// chain.
func NextChain(prev Chain, seq uint64, raw, checkpoint []byte) Chain {
	h := sha256.New()
	h.Write(prev[:])
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], seq)
	h.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(len(raw)))
	h.Write(n[:])
	h.Write(raw)
	binary.BigEndian.PutUint64(n[:], uint64(len(checkpoint)))
	h.Write(n[:])
	h.Write(checkpoint)
	var out Chain
	h.Sum(out[:0])
	return out
}

// ProofsDir is the optional folder of per-record inclusion proof files:
// proofs/<index>.proof, <index> the ledger index as 20 decimal digits.
const ProofsDir = "proofs"

// proofExt ends every proof file name.
const proofExt = ".proof"

// ProofName returns the file name of the proof of ledger index i.
func ProofName(i uint64) string { return fmt.Sprintf("%0*d%s", seqDigits, i, proofExt) }

// ParseProofName returns the ledger index a proof file name encodes: 20
// decimal digits and ".proof", else ErrBadName.
func ParseProofName(name string) (uint64, error) {
	digits, ok := strings.CutSuffix(name, proofExt)
	if !ok || len(digits) != seqDigits || !allDigits(digits) {
		return 0, fmt.Errorf("%w: %q is not a proof file name", ErrBadName, name)
	}
	i, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q is out of range", ErrBadName, name)
	}
	return i, nil
}
