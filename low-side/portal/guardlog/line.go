// Package guardlog reads the guard's log: JSON lines, one per stage
// decision or diode event, each chained to the one before by hash.
//
// A line looks like
//
//	{"time":"2012-06-21T09:30:00Z","seq":1,"batch_seq":7,"stage":"signature",
//	 "decision":"accept","reason":"","ledger_first":0,"ledger_size":14,
//	 "prev":"<hex>","hash":"<hex>"}
//
// The reader checks every line as the guard defines the chain: hash is the
// lower-case hex SHA-256 of the line's bytes up to, and excluding, the
// text `,"hash":` before it; seq counts up from 1 without a gap; prev is
// the hash of the line before (64 zeros for line 1). A line that fails is kept out of
// the results and recorded as a Fault; reading goes on.
package guardlog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// MaxLineSize is the longest log line, in bytes, that is read.
const MaxLineSize = 16 << 10

// GenesisHash is the prev of the first line.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// hashMarker separates a line's hashed prefix from its hash.
const hashMarker = `,"hash":"`

// Decision is what a guard stage decided, or "event" for a diode event.
type Decision string

// Decisions a line may carry.
const (
	Accept Decision = "accept"
	Reject Decision = "reject"
	Hold   Decision = "hold"
	Event  Decision = "event"
)

// Valid reports whether d is one of the four decisions.
func (d Decision) Valid() bool {
	return d == Accept || d == Reject || d == Hold || d == Event
}

// Line is one guard log record.
type Line struct {
	Time        time.Time `json:"time"`
	Seq         uint64    `json:"seq"`       // line number, from 1
	BatchSeq    uint64    `json:"batch_seq"` // 0 when the line is about no batch
	Stage       string    `json:"stage"`
	Decision    Decision  `json:"decision"`
	Reason      string    `json:"reason"`
	LedgerFirst uint64    `json:"ledger_first"`
	LedgerSize  uint64    `json:"ledger_size"`
	Prev        string    `json:"prev"` // hex hash of the previous line
	Hash        string    `json:"hash"` // hex hash of this line
}

// ParseLine decodes and checks one log line (without its newline). It
// rejects unknown fields, trailing data, an unknown decision, a missing
// stage or time, a reason over 2048 bytes, hashes that are not lower-case
// hex SHA-256 digests, and a hash that is not the line's own.
func ParseLine(b []byte) (Line, error) {
	var l Line
	if len(b) > MaxLineSize {
		return l, fmt.Errorf("malformed guard log line: %d bytes, at most %d", len(b), MaxLineSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return l, fmt.Errorf("malformed guard log line: %v", err)
	}
	if dec.More() {
		return l, errors.New("malformed guard log line: trailing data")
	}
	if err := l.validate(); err != nil {
		return l, fmt.Errorf("malformed guard log line: %v", err)
	}
	i := bytes.LastIndex(b, []byte(hashMarker))
	if i < 0 {
		return l, errors.New("malformed guard log line: hash is not the last field")
	}
	if sum := sha256.Sum256(b[:i]); hex.EncodeToString(sum[:]) != l.Hash {
		return l, fmt.Errorf("guard log line %d: hash does not match its content", l.Seq)
	}
	return l, nil
}

func (l *Line) validate() error {
	switch {
	case l.Time.IsZero():
		return errors.New("missing time")
	case l.Seq == 0:
		return errors.New("missing seq")
	case l.Stage == "" || len(l.Stage) > 64:
		return errors.New("stage must be 1 to 64 bytes")
	case !l.Decision.Valid():
		return fmt.Errorf("unknown decision %q", l.Decision)
	case len(l.Reason) > 2048:
		return errors.New("reason over 2048 bytes")
	case !isHash(l.Hash):
		return errors.New("hash is not a hex digest")
	case !isHash(l.Prev):
		return errors.New("prev is not a hex digest")
	}
	l.Time = l.Time.UTC()
	return nil
}

// isHash reports whether s is a lower-case hex SHA-256 digest.
func isHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Encode returns the line for l in the guard's form, without a newline,
// with its hash computed over the bytes before `,"hash":`. It ignores
// l.Hash and returns the hash it computed.
func Encode(l Line) ([]byte, string) {
	l.Hash = ""
	b, err := json.Marshal(l)
	if err != nil {
		panic("guardlog: a line failed to encode: " + err.Error())
	}
	prefix := b[:len(b)-len(`,"hash":""}`)]
	sum := sha256.Sum256(prefix)
	h := hex.EncodeToString(sum[:])
	out := append(append([]byte(nil), prefix...), hashMarker...)
	return append(append(out, h...), '"', '}'), h
}
