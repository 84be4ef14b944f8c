package guard

import (
	"errors"
	"fmt"
	"io"
	"os"

	"bastion/diode"
	"bastion/low-side/verify"
	"bastion/shared/checkpoint"
	"bastion/shared/hybrid"
)

// Trust is the high side's published key as the guard uses it: the
// composite key that verifies batch signatures, its signed-note key for
// checkpoints, the checkpoint origin of the link, and the key ring that
// follows the signing role across transition statements.
type Trust struct {
	Name    string            // key name from the published key file
	Key     *hybrid.PublicKey // composite ML-DSA + ECDSA key
	NoteKey checkpoint.Key    // name and key ID on checkpoint signature lines
	Origin  string            // checkpoint origin, checkpoint.OriginFor(link)
	Text    []byte            // the key file as published
	// Ring holds Key from ledger size 0 and the new key of each transition
	// from its effective size (verify.KeyRing). Without transitions it
	// holds Key alone, valid at every ledger size.
	Ring *verify.KeyRing
	// Cosigners is the quorum of high-side node cosignatures every
	// checkpoint needs besides the hybrid signature; zero needs none.
	Cosigners checkpoint.Quorum

	rotated bool // Ring has more than one key
}

// NewTrust parses a published key file (hybrid.ParsePublicKeyText) for the
// given link and builds the key ring from it and the opened transition
// statements, in any order (verify.NewKeyRing). It returns the parser's
// error, one for an invalid link, or verify.ErrKeyRing when the
// transitions do not form one chain from the published key.
func NewTrust(keyText []byte, link string, transitions ...*hybrid.Transition) (*Trust, error) {
	key, err := verify.ParseKey(keyText)
	if err != nil {
		return nil, fmt.Errorf("failed to read high-side key: %w", err)
	}
	if !checkpoint.ValidLink(link) {
		return nil, fmt.Errorf("invalid link name %q", link)
	}
	ring, err := verify.NewKeyRing(key, transitions...)
	if err != nil {
		return nil, fmt.Errorf("high-side key transitions: %w", err)
	}
	return &Trust{Name: key.Name, Key: key.Public, NoteKey: key.NoteKey,
		Origin: checkpoint.OriginFor(link), Text: append([]byte(nil), keyText...),
		Ring: ring, rotated: len(transitions) > 0}, nil
}

// LoadTrust reads the published key file at path and each transition file
// (hybrid.OpenTransition: parsed and both signatures verified); see
// NewTrust. Errors name the file that failed.
func LoadTrust(path, link string, transitionFiles ...string) (*Trust, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read high-side key: %w", err)
	}
	ts := make([]*hybrid.Transition, 0, len(transitionFiles))
	for _, f := range transitionFiles {
		t, err := loadTransition(f)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return NewTrust(b, link, ts...)
}

// loadTransition reads and opens one transition file.
func loadTransition(path string) (*hybrid.Transition, error) {
	b, err := readBounded(path, hybrid.MaxTransitionSize)
	if err != nil {
		return nil, fmt.Errorf("failed to read high-side key transition: %w", err)
	}
	t, err := hybrid.OpenTransition(b)
	if err != nil {
		return nil, fmt.Errorf("high-side key transition %s: %w", path, err)
	}
	return t, nil
}

// readBounded reads the file at path, refusing one over limit bytes.
func readBounded(path string, limit int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, limit+1)
	n, err := io.ReadFull(f, b)
	switch {
	case n > limit:
		return nil, fmt.Errorf("%s: over %d bytes", path, limit)
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF):
		return nil, err
	}
	return b[:n], nil
}

// open opens a signed checkpoint note with the key valid at its tree size
// (verify.KeyRing.Open); with a single key, with that key.
func (t *Trust) open(note []byte) (checkpoint.Checkpoint, error) {
	var cp checkpoint.Checkpoint
	var err error
	if !t.rotated {
		cp, err = checkpoint.Open(note, t.NoteKey, t.Key)
	} else {
		cp, err = t.Ring.Open(note)
	}
	if err != nil {
		return cp, err
	}
	if _, err := t.Cosigners.Check(note); err != nil {
		return checkpoint.Checkpoint{}, err
	}
	return cp, nil
}

// LoadCosigners reads the cosigner verifier key files and sets the quorum
// every checkpoint must meet.
func (t *Trust) LoadCosigners(files []string, quorum int) error {
	q := checkpoint.Quorum{Required: quorum}
	for _, f := range files {
		b, err := readBounded(f, 4096)
		if err != nil {
			return fmt.Errorf("failed to read cosigner key: %w", err)
		}
		k, err := checkpoint.ParseCosignerKey(string(b))
		if err != nil {
			return fmt.Errorf("cosigner key %s: %w", f, err)
		}
		q.Keys = append(q.Keys, k)
	}
	if quorum > len(q.Keys) {
		return fmt.Errorf("cosign quorum %d with %d cosigner keys", quorum, len(q.Keys))
	}
	t.Cosigners = q
	return nil
}

// batchRing returns the ring the signature stage checks batches with, nil
// when there is a single key.
func (t *Trust) batchRing() *verify.KeyRing {
	if !t.rotated {
		return nil
	}
	return t.Ring
}

// sessionVerifier returns the verifier of diode announcements and
// heartbeats. These carry no ledger position, so the ring's rule cannot
// apply: it accepts the keys of the latest hand-over, the outgoing and the
// incoming one (so the guard may learn of a transition before or after the
// high side switches signers). Keys retired by earlier transitions are not
// accepted. With a single key it is that key.
func (t *Trust) sessionVerifier() diode.Verifier {
	if !t.rotated {
		return t.Key
	}
	epochs := t.Ring.Epochs()
	var v anyKey
	for _, k := range t.Ring.At(epochs[len(epochs)-1].From) {
		v = append(v, k.Public)
	}
	return v
}

// anyKey accepts a signature by any of its keys.
type anyKey []*hybrid.PublicKey

// Verify implements diode.Verifier; it returns the first key's error when
// no key verifies.
func (a anyKey) Verify(msg, ctx, sig []byte) error {
	var first error
	for _, k := range a {
		err := k.Verify(msg, ctx, sig)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}
