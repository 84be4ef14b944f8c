package checkpoint

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on a signed note, enforced by ParseNote. C2SP signed-note asks
// verifiers to accept at least 16 signatures and warns that post-quantum
// signatures approach 5 kB: a note with MaxSignatures composite ML-DSA-87
// signatures still fits in MaxNoteSize.
const (
	// MaxNoteSize is the largest signed note, in bytes.
	MaxNoteSize = 128 << 10
	// MaxSignatures is the largest number of signature lines in a note.
	MaxSignatures = 16
	// MaxSignatureSize is the largest signature, in bytes, after the key ID.
	MaxSignatureSize = 6 << 10
	// MaxKeyNameLen is the longest key name, in bytes.
	MaxKeyNameLen = 255
)

// ErrMalformedNote is returned (wrapped, with the reason) for a signed note
// that is not in the one accepted form.
var ErrMalformedNote = errors.New("malformed note")

// sigPrefix starts every signature line: U+2014 em dash and a space.
const sigPrefix = "\u2014 "

// Note is a signed note as parsed, before any signature is verified.
type Note struct {
	Text       []byte      // the signed text, ending in a newline
	Signatures []Signature // in the order of the note
}

// Signature is one signature line of a note.
type Signature struct {
	Name  string // key name
	KeyID uint32 // key ID, see KeyID
	Sig   []byte // signature bytes after the key ID
}

// ParseNote splits a signed note into its text and signature lines (C2SP
// signed-note). Beyond the specification it rejects notes over MaxNoteSize,
// more than MaxSignatures lines, two lines for the same key, non-canonical
// base64 and key names outside printable ASCII, so that Marshal gives back
// the same bytes. It verifies nothing. Errors wrap ErrMalformedNote.
func ParseNote(b []byte) (*Note, error) {
	if len(b) > MaxNoteSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrMalformedNote, len(b), MaxNoteSize)
	}
	if err := checkNoteBytes(b); err != nil {
		return nil, err
	}

	// The text ends at the last blank line; the signatures follow it.
	split := bytes.LastIndex(b, []byte("\n\n"))
	if split < 0 {
		return nil, fmt.Errorf("%w: no blank line before the signatures", ErrMalformedNote)
	}
	n := &Note{Text: bytes.Clone(b[:split+1])}
	sigs := b[split+2:]
	if len(sigs) == 0 || sigs[len(sigs)-1] != '\n' {
		return nil, fmt.Errorf("%w: signature block missing or not ended by a newline", ErrMalformedNote)
	}
	lines := strings.Split(string(sigs[:len(sigs)-1]), "\n")
	if len(lines) > MaxSignatures {
		return nil, fmt.Errorf("%w: %d signatures, at most %d", ErrMalformedNote, len(lines), MaxSignatures)
	}
	for i, line := range lines {
		s, err := parseSignatureLine(line)
		if err != nil {
			return nil, fmt.Errorf("%w: signature %d: %v", ErrMalformedNote, i+1, err)
		}
		if n.find(s.Name, s.KeyID) >= 0 {
			return nil, fmt.Errorf("%w: signature %d: key %s+%08x signed twice",
				ErrMalformedNote, i+1, s.Name, s.KeyID)
		}
		n.Signatures = append(n.Signatures, s)
	}
	return n, nil
}

// checkNoteBytes checks that b is UTF-8 without control characters other
// than newline (C2SP signed-note, Format).
func checkNoteBytes(b []byte) error {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return fmt.Errorf("%w: invalid UTF-8 at byte %d", ErrMalformedNote, i)
		}
		if r < 0x20 && r != '\n' || r == 0x7f {
			return fmt.Errorf("%w: control character 0x%02x at byte %d", ErrMalformedNote, r, i)
		}
		i += size
	}
	return nil
}

// parseSignatureLine parses "— <name> <base64(key ID || signature)>".
func parseSignatureLine(line string) (Signature, error) {
	rest, ok := strings.CutPrefix(line, sigPrefix)
	if !ok {
		return Signature{}, errors.New("does not start with an em dash and a space")
	}
	name, b64, ok := strings.Cut(rest, " ")
	if !ok || !ValidKeyName(name) {
		return Signature{}, fmt.Errorf("invalid key name %q", name)
	}
	if max := base64.StdEncoding.EncodedLen(4 + MaxSignatureSize); len(b64) > max {
		return Signature{}, fmt.Errorf("signature of %d characters, at most %d", len(b64), max)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil || len(raw) < 5 || base64.StdEncoding.EncodeToString(raw) != b64 {
		return Signature{}, errors.New("signature is not canonical base64 of a key ID and a signature")
	}
	if len(raw)-4 > MaxSignatureSize {
		return Signature{}, fmt.Errorf("signature of %d bytes, at most %d", len(raw)-4, MaxSignatureSize)
	}
	return Signature{Name: name, KeyID: binary.BigEndian.Uint32(raw), Sig: raw[4:]}, nil
}

// Marshal returns the note in signed-note form: the text, a blank line and
// one line per signature.
func (n *Note) Marshal() []byte {
	var b bytes.Buffer
	b.Write(n.Text)
	b.WriteByte('\n')
	for _, s := range n.Signatures {
		b.WriteString(s.line())
	}
	return b.Bytes()
}

// line returns the signature line of s, newline included.
func (s Signature) line() string {
	raw := binary.BigEndian.AppendUint32(nil, s.KeyID)
	raw = append(raw, s.Sig...)
	return sigPrefix + s.Name + " " + base64.StdEncoding.EncodeToString(raw) + "\n"
}

// find returns the index of the signature by the named key, or -1.
func (n *Note) find(name string, id uint32) int {
	for i, s := range n.Signatures {
		if s.Name == name && s.KeyID == id {
			return i
		}
	}
	return -1
}

// ValidKeyName reports whether name can name a note key here: 1 to
// MaxKeyNameLen bytes of printable ASCII without space or plus sign. (C2SP
// signed-note allows any UTF-8 without spaces or plus; this package is
// stricter.)
func ValidKeyName(name string) bool {
	if name == "" || len(name) > MaxKeyNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c > '~' || c == '+' {
			return false
		}
	}
	return true
}
