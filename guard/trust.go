package guard

import (
	"fmt"
	"os"

	"bastion/shared/checkpoint"
	"bastion/shared/hybrid"
)

// Trust is the high side's published key as the guard uses it: the
// composite key that verifies batch signatures, its signed-note key for
// checkpoints, and the checkpoint origin of the link.
type Trust struct {
	Name    string            // key name from the published key file
	Key     *hybrid.PublicKey // composite ML-DSA + ECDSA key
	NoteKey checkpoint.Key    // name and key ID on checkpoint signature lines
	Origin  string            // checkpoint origin, checkpoint.OriginFor(link)
	Text    []byte            // the key file as published
}

// NewTrust parses a published key file (hybrid.ParsePublicKeyText) for the
// given link. It returns the parser's error or one for an invalid link.
func NewTrust(keyText []byte, link string) (*Trust, error) {
	name, pk, err := hybrid.ParsePublicKeyText(keyText)
	if err != nil {
		return nil, fmt.Errorf("failed to read high-side key: %w", err)
	}
	if !checkpoint.ValidLink(link) {
		return nil, fmt.Errorf("invalid link name %q", link)
	}
	nk, err := checkpoint.HybridKey(name, string(pk.Suite()), pk.Bytes())
	if err != nil {
		return nil, fmt.Errorf("failed to derive checkpoint key: %w", err)
	}
	return &Trust{Name: name, Key: pk, NoteKey: nk, Origin: checkpoint.OriginFor(link),
		Text: append([]byte(nil), keyText...)}, nil
}

// LoadTrust reads the published key file at path; see NewTrust.
func LoadTrust(path, link string) (*Trust, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read high-side key: %w", err)
	}
	return NewTrust(b, link)
}

// open opens a signed checkpoint note with the high side's key.
func (t *Trust) open(note []byte) (checkpoint.Checkpoint, error) {
	return checkpoint.Open(note, t.NoteKey, t.Key)
}
