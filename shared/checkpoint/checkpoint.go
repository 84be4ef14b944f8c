// Package checkpoint encodes, signs and opens ledger checkpoints.
//
// A checkpoint is the C2SP tlog-checkpoint body: the log's origin, its size
// in decimal, its root hash in base64, and optional extension lines, each
// ended by a newline. It travels as a C2SP signed note: the body, a blank
// line, then one signature line per key ("— <key name> <base64(key ID ||
// signature)>"). A note may carry several signatures, so node keys can
// cosign what the high side's hybrid key signed, and OpenAll can demand a
// whole set of them.
//
// The parsers here are strict on purpose: every checkpoint and every note
// has exactly one accepted byte form, so re-encoding what was parsed gives
// the same bytes, and two honest parties never disagree on what was signed.
//
// Every signature is made over the note text with the application context
// "bastion-checkpoint-v1" (see Context), so a checkpoint signature can never
// be replayed as a batch signature or vice versa.
package checkpoint

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"bastion/shared/merkle"
)

// Limits on a checkpoint body, enforced by Parse and Validate.
const (
	// MaxOriginLen is the longest origin line, in bytes.
	MaxOriginLen = 255
	// MaxExtensions is the largest number of extension lines.
	MaxExtensions = 16
	// MaxExtensionLen is the longest extension line, in bytes.
	MaxExtensionLen = 255
	// MaxSize is the largest tree size a checkpoint can carry; it matches
	// the int64 sizes of the stores.
	MaxSize = math.MaxInt64
)

// ErrMalformedCheckpoint is returned (wrapped, with the reason) for a
// checkpoint body that is not in the one accepted form.
var ErrMalformedCheckpoint = errors.New("malformed checkpoint")

// rootLen is the length of the base64 form of a 32-byte root.
var rootLen = base64.StdEncoding.EncodedLen(merkle.HashSize)

// Checkpoint is a signed statement of a ledger's size and root.
type Checkpoint struct {
	Origin     string      // the log's name, see OriginFor
	Size       uint64      // number of entries covered
	Root       merkle.Hash // RFC 6962 root of the first Size entries
	Extensions []string    // optional extra lines, in order
}

// Marshal returns the tlog-checkpoint body of c. It does not validate c; a
// body made from an invalid checkpoint is rejected by Parse and by Sign.
func (c Checkpoint) Marshal() []byte {
	var b strings.Builder
	b.WriteString(c.Origin)
	b.WriteByte('\n')
	b.WriteString(strconv.FormatUint(c.Size, 10))
	b.WriteByte('\n')
	b.WriteString(base64.StdEncoding.EncodeToString(c.Root[:]))
	b.WriteByte('\n')
	for _, e := range c.Extensions {
		b.WriteString(e)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// Validate checks that c has a valid origin, a size up to MaxSize and at
// most MaxExtensions valid extension lines. It returns an error wrapping
// ErrMalformedCheckpoint that names the field.
func (c Checkpoint) Validate() error {
	if err := checkLine(c.Origin, MaxOriginLen, false); err != nil {
		return fmt.Errorf("%w: origin: %v", ErrMalformedCheckpoint, err)
	}
	if c.Size > MaxSize {
		return fmt.Errorf("%w: size %d exceeds %d", ErrMalformedCheckpoint, c.Size, uint64(MaxSize))
	}
	if len(c.Extensions) > MaxExtensions {
		return fmt.Errorf("%w: %d extension lines, at most %d",
			ErrMalformedCheckpoint, len(c.Extensions), MaxExtensions)
	}
	for i, e := range c.Extensions {
		if err := checkLine(e, MaxExtensionLen, true); err != nil {
			return fmt.Errorf("%w: extension %d: %v", ErrMalformedCheckpoint, i+1, err)
		}
	}
	return nil
}

// Parse parses a tlog-checkpoint body. It accepts only the form Marshal
// writes: a decimal size without sign or leading zeros, a padded base64 root
// of exactly 32 bytes, lines ended by a newline, no empty or over-long line
// and no control character. It returns an error wrapping
// ErrMalformedCheckpoint that names the line.
func Parse(body []byte) (Checkpoint, error) {
	if max := maxBodyLen(); len(body) > max {
		return Checkpoint{}, fmt.Errorf("%w: %d bytes, at most %d", ErrMalformedCheckpoint, len(body), max)
	}
	if len(body) == 0 || body[len(body)-1] != '\n' {
		return Checkpoint{}, fmt.Errorf("%w: does not end in a newline", ErrMalformedCheckpoint)
	}
	lines := strings.Split(string(body[:len(body)-1]), "\n")
	if len(lines) < 3 {
		return Checkpoint{}, fmt.Errorf("%w: %d lines, want origin, size and root",
			ErrMalformedCheckpoint, len(lines))
	}
	c := Checkpoint{Origin: lines[0]}
	if len(lines) > 3 {
		c.Extensions = lines[3:]
	}
	var err error
	if c.Size, err = parseSize(lines[1]); err != nil {
		return Checkpoint{}, fmt.Errorf("%w: size line: %v", ErrMalformedCheckpoint, err)
	}
	if c.Root, err = parseRoot(lines[2]); err != nil {
		return Checkpoint{}, fmt.Errorf("%w: root line: %v", ErrMalformedCheckpoint, err)
	}
	if err := c.Validate(); err != nil {
		return Checkpoint{}, err
	}
	return c, nil
}

// maxBodyLen is the longest body Validate can accept.
func maxBodyLen() int {
	return MaxOriginLen + 1 + len("9223372036854775807") + 1 + rootLen + 1 +
		MaxExtensions*(MaxExtensionLen+1)
}

// parseSize parses a canonical decimal tree size.
func parseSize(s string) (uint64, error) {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return 0, fmt.Errorf("%q is not a canonical decimal number", s)
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not a canonical decimal number", s)
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > MaxSize {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return n, nil
}

// parseRoot parses the padded standard base64 form of a 32-byte hash.
func parseRoot(s string) (merkle.Hash, error) {
	if len(s) != rootLen {
		return merkle.Hash{}, fmt.Errorf("%d characters, want %d", len(s), rootLen)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(raw) != merkle.HashSize {
		return merkle.Hash{}, fmt.Errorf("not the base64 form of a 32-byte hash")
	}
	return merkle.Hash(raw), nil
}

// checkLine checks one line of a body: 1 to max bytes of printable ASCII.
// Spaces are allowed only where spaces is true (extension lines).
func checkLine(s string, max int, spaces bool) error {
	if s == "" {
		return errors.New("empty")
	}
	if len(s) > max {
		return fmt.Errorf("%d bytes, at most %d", len(s), max)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > '~' || c < ' ' || c == ' ' && !spaces {
			return fmt.Errorf("byte %d (0x%02x) is not allowed", i, c)
		}
	}
	return nil
}
