package report

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxCheckpointSize is the largest checkpoint note, in bytes, that
// ParseCheckpoint reads.
const MaxCheckpointSize = 64 << 10

// rootSize is the size of an RFC 6962 SHA-256 root hash in bytes.
const rootSize = 32

// Checkpoint is the body of a signed checkpoint note as a report cites it.
// The signatures are not checked here: the guard verified them before it
// published the note, and the portal re-verifies with the published keys.
type Checkpoint struct {
	Origin string `json:"origin"`
	Size   uint64 `json:"size"` // number of ledger entries covered
	Root   string `json:"root"` // base64 SHA-256 root hash, as in the note
}

// ParseCheckpoint reads the body of a checkpoint note in the C2SP
// tlog-checkpoint form: an origin line, the tree size in decimal, the
// base64 root hash, optional extension lines, then a blank line and the
// signature lines of the signed-note form, each starting with "— ". It
// returns an error naming the first line that is malformed.
func ParseCheckpoint(note []byte) (Checkpoint, error) {
	if len(note) > MaxCheckpointSize {
		return Checkpoint{}, fmt.Errorf("malformed checkpoint: %d bytes, at most %d", len(note), MaxCheckpointSize)
	}
	if !utf8.Valid(note) {
		return Checkpoint{}, errors.New("malformed checkpoint: not UTF-8")
	}
	body, sigs, ok := bytes.Cut(note, []byte("\n\n"))
	if !ok {
		return Checkpoint{}, errors.New("malformed checkpoint: no blank line before the signatures")
	}
	if err := checkSignatureLines(sigs); err != nil {
		return Checkpoint{}, err
	}
	lines := strings.Split(string(body), "\n")
	if len(lines) < 3 {
		return Checkpoint{}, fmt.Errorf("malformed checkpoint: %d body lines, want at least 3", len(lines))
	}
	return parseBody(lines)
}

func parseBody(lines []string) (Checkpoint, error) {
	var c Checkpoint
	c.Origin = lines[0]
	if c.Origin == "" || strings.ContainsAny(c.Origin, "\r\t") {
		return c, errors.New("malformed checkpoint: bad origin line")
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] {
		return c, fmt.Errorf("malformed checkpoint: bad size line %q", lines[1])
	}
	c.Size = size
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != rootSize {
		return c, fmt.Errorf("malformed checkpoint: root line is not a base64 %d-byte hash", rootSize)
	}
	c.Root = lines[2]
	for _, ext := range lines[3:] {
		if ext == "" {
			return c, errors.New("malformed checkpoint: empty extension line")
		}
	}
	return c, nil
}

// checkSignatureLines checks the signed-note signature block: one or more
// lines "— <name> <base64>", each ending in a newline.
func checkSignatureLines(sigs []byte) error {
	if len(sigs) == 0 || sigs[len(sigs)-1] != '\n' {
		return errors.New("malformed checkpoint: signature block must end with a newline")
	}
	for _, line := range strings.Split(string(sigs[:len(sigs)-1]), "\n") {
		rest, ok := strings.CutPrefix(line, "— ")
		if !ok {
			return fmt.Errorf("malformed checkpoint: signature line %q does not start with an em dash", clip(line))
		}
		name, sig, ok := strings.Cut(rest, " ")
		if !ok || name == "" {
			return fmt.Errorf("malformed checkpoint: signature line %q has no key name", clip(line))
		}
		if _, err := base64.StdEncoding.DecodeString(sig); err != nil || sig == "" {
			return fmt.Errorf("malformed checkpoint: signature of %q is not base64", clip(name))
		}
	}
	return nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
