// Package auditlog writes the guard log: one JSON object per line, appended
// only, hash-chained and synced to stable storage.
//
// Every line records one decision of one pipeline stage about one batch, or
// one event of the diode link or of the guard itself, in the style of the
// information-flow enforcement records of NIST SP 800-53 AC-4 and the
// audit content of AU-3 (what, when, where, outcome, subject). Fields, in
// this order:
//
//	time          RFC 3339 UTC time with nanoseconds
//	seq           line number in the log, from 1, without gaps
//	batch_seq     sequence number of the batch concerned (0 for events)
//	stage         the pipeline stage ("limits", "signature", ...), or
//	              "diode", "guard", "selfcheck" for events
//	decision      "accept", "reject", "hold" or "event"
//	reason        why, in plain words; never a secret, a key or a matched
//	              personal value
//	ledger_first  first ledger index the batch claims to cover (0 if none)
//	ledger_size   ledger size after the batch, as claimed (0 if none)
//	prev          hash of the previous line (64 zeros for line 1)
//	hash          hash of this line
//
// hash is the lower-case hex SHA-256 of the line's bytes up to and
// excluding the text `,"hash":` that precedes it. Since prev is inside
// those bytes, each line commits to every line before it, and a verifier
// needs no JSON re-encoding: it splits each line at its last `,"hash":"`.
//
// The ledger fields of a batch rejected before its signature was checked
// are the batch's unverified claims.
package auditlog

import (
	"encoding/json"
	"errors"
	"time"
)

// Decision is the outcome a line records.
type Decision string

// Decisions.
const (
	Accept Decision = "accept"
	Reject Decision = "reject"
	Hold   Decision = "hold"
	Event  Decision = "event"
)

// Record is what a caller supplies for one line; the log fills in time,
// seq, prev and hash.
type Record struct {
	BatchSeq    uint64
	Stage       string
	Decision    Decision
	Reason      string
	LedgerFirst uint64
	LedgerSize  uint64
}

// Line is one decoded line of the log.
type Line struct {
	Time        time.Time `json:"time"`
	Seq         uint64    `json:"seq"`
	BatchSeq    uint64    `json:"batch_seq"`
	Stage       string    `json:"stage"`
	Decision    Decision  `json:"decision"`
	Reason      string    `json:"reason"`
	LedgerFirst uint64    `json:"ledger_first"`
	LedgerSize  uint64    `json:"ledger_size"`
	Prev        string    `json:"prev"`
	Hash        string    `json:"hash"`
}

// GenesisHash is the prev value of the first line.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// MaxLine bounds one encoded line, in bytes. Reasons are cut to fit.
const MaxLine = 8 << 10

// maxReason bounds the reason text, in bytes.
const maxReason = 2 << 10

// hashMarker separates the hashed prefix of a line from its hash.
const hashMarker = `,"hash":"`

// Errors returned by Open, Append and Verify.
var (
	// ErrCorrupt is returned when a line does not decode or its hash or
	// chain does not verify.
	ErrCorrupt = errors.New("guard log corrupt")
	// ErrClosed is returned by Append after Close.
	ErrClosed = errors.New("guard log closed")
)

// encode returns the line for l with its hash filled in, without the
// final newline.
func encode(l *Line) []byte {
	l.Hash = ""
	b, _ := json.Marshal(l) // no field can fail to encode
	prefix := b[:len(b)-len(`,"hash":""}`)]
	l.Hash = hashHex(prefix)
	out := append([]byte(nil), prefix...)
	out = append(out, hashMarker...)
	out = append(out, l.Hash...)
	return append(out, '"', '}')
}
