package checkpoint

import (
	"errors"
	"fmt"
)

// Context is the application context of every checkpoint signature. It
// separates checkpoint signatures from every other use of the same key.
const Context = "bastion-checkpoint-v1"

// Errors returned by Sign, AddSignature, Open and OpenAll.
var (
	// ErrUnsigned is returned when a required key has no signature line in
	// the note.
	ErrUnsigned = errors.New("note not signed by required key")
	// ErrBadSignature is returned when a signature line of a trusted key
	// does not verify. The whole note is rejected.
	ErrBadSignature = errors.New("note signature does not verify")
)

// Signer makes signatures with one key. hybrid.SoftwareSigner and the
// high side's HSM signer satisfy it.
type Signer interface {
	// Sign returns a signature over msg under the application context ctx.
	Sign(msg, ctx []byte) ([]byte, error)
}

// Verifier checks signatures of one key. *hybrid.PublicKey satisfies it.
type Verifier interface {
	// Verify returns nil only if sig is a valid signature over msg under
	// the application context ctx.
	Verify(msg, ctx, sig []byte) error
}

// TrustedKey is a key a reader trusts to sign checkpoints.
type TrustedKey struct {
	Key
	Verifier Verifier
}

// Sign validates c and returns it as a signed note with one signature by
// key, made by s over the checkpoint body with Context. It returns an error
// wrapping ErrMalformedCheckpoint for an invalid checkpoint, or the
// signer's error.
func Sign(c Checkpoint, key Key, s Signer) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	n := &Note{Text: c.Marshal()}
	if err := n.sign(key, s); err != nil {
		return nil, err
	}
	return n.Marshal(), nil
}

// AddSignature returns note with one more signature line, by key, over the
// same checkpoint: a cosignature. It verifies no existing signature; the
// cosigner must have opened the note first. It returns an error wrapping
// ErrMalformedNote or ErrMalformedCheckpoint for a bad note, or when key
// already signed it, and the signer's error.
func AddSignature(note []byte, key Key, s Signer) ([]byte, error) {
	n, err := ParseNote(note)
	if err != nil {
		return nil, err
	}
	if _, err := Parse(n.Text); err != nil {
		return nil, err
	}
	if len(n.Signatures) >= MaxSignatures {
		return nil, fmt.Errorf("%w: already %d signatures", ErrMalformedNote, len(n.Signatures))
	}
	if n.find(key.Name, key.ID) >= 0 {
		return nil, fmt.Errorf("%w: key %s already signed", ErrMalformedNote, key)
	}
	if err := n.sign(key, s); err != nil {
		return nil, err
	}
	return n.Marshal(), nil
}

// sign appends a signature by key over n.Text.
func (n *Note) sign(key Key, s Signer) error {
	if !ValidKeyName(key.Name) {
		return fmt.Errorf("invalid key name %q", key.Name)
	}
	sig, err := s.Sign(n.Text, []byte(Context))
	if err != nil {
		return fmt.Errorf("failed to sign checkpoint with %s: %w", key, err)
	}
	if len(sig) == 0 || len(sig) > MaxSignatureSize {
		return fmt.Errorf("signature by %s is %d bytes, want 1 to %d", key, len(sig), MaxSignatureSize)
	}
	n.Signatures = append(n.Signatures, Signature{Name: key.Name, KeyID: key.ID, Sig: sig})
	return nil
}

// Open parses a signed checkpoint note and returns its checkpoint if key
// signed it; see OpenAll.
func Open(note []byte, key Key, v Verifier) (Checkpoint, error) {
	return OpenAll(note, []TrustedKey{{Key: key, Verifier: v}})
}

// OpenAll parses a signed checkpoint note and returns its checkpoint only if
// every key in required has a signature line that verifies. Signature lines
// of other keys are ignored (C2SP signed-note: unknown keys, even with a
// known name or ID, are skipped). It returns errors wrapping
// ErrMalformedNote or ErrMalformedCheckpoint, ErrUnsigned naming the first
// missing key, or ErrBadSignature naming the key whose signature failed. An
// empty required set is an error: a note is never opened unverified.
func OpenAll(note []byte, required []TrustedKey) (Checkpoint, error) {
	if len(required) == 0 {
		return Checkpoint{}, errors.New("failed to open checkpoint: no trusted key given")
	}
	n, err := ParseNote(note)
	if err != nil {
		return Checkpoint{}, err
	}
	for _, k := range required {
		i := n.find(k.Name, k.ID)
		if i < 0 {
			return Checkpoint{}, fmt.Errorf("%w: %s", ErrUnsigned, k.Key)
		}
		if err := k.Verifier.Verify(n.Text, []byte(Context), n.Signatures[i].Sig); err != nil {
			return Checkpoint{}, fmt.Errorf("%w: %s: %v", ErrBadSignature, k.Key, err)
		}
	}
	return Parse(n.Text)
}
