package checkpoint

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Signature types of C2SP signed-note (section "Signature types").
const (
	// SigTypeEd25519 is the type byte of plain Ed25519 note signatures.
	SigTypeEd25519 = 0x01
	// SigTypeOther is the type byte reserved for signature types without an
	// assigned byte; it is followed by a longer identifier.
	SigTypeOther = 0xff
)

// HybridTypePrefix starts the identifier, after SigTypeOther, of this
// project's composite ML-DSA signatures.
//
// A hybrid note key's signature type is the byte string
//
//	0xff || "bastion-hybrid/" || suite || 0x0A
//
// where suite is the composite suite name without "id-" (for example
// "MLDSA65-ECDSA-P256-SHA512", draft-ietf-lamps-pq-composite-sigs). Its key
// ID is therefore (C2SP signed-note, "Signatures")
//
//	SHA-256(name || 0x0A || 0xff || "bastion-hybrid/" || suite || 0x0A || pk)[:4]
//
// with pk the composite public key encoding (ML-DSA public key followed by
// the uncompressed EC point). The suite is part of the type so that the same
// key bytes under two suites never share a key ID, and the closing newline
// keeps the suite name apart from the key bytes. The signature after the key
// ID is the composite signature over the note text with Context.
const HybridTypePrefix = "bastion-hybrid/"

// Key names a signing key inside notes: the key name printed on the
// signature line and the 4-byte key ID that precedes each signature.
type Key struct {
	Name string
	ID   uint32
}

// String returns the key as "name+id" with the ID in 8 hex digits, the form
// of C2SP verifier keys without the key material.
func (k Key) String() string { return fmt.Sprintf("%s+%08x", k.Name, k.ID) }

// KeyID returns the recommended C2SP key ID: the first four bytes, big-endian,
// of SHA-256(name || 0x0A || sigType || publicKey).
func KeyID(name string, sigType, publicKey []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n'})
	h.Write(sigType)
	h.Write(publicKey)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// HybridSigType returns the signature type bytes of a composite suite; see
// HybridTypePrefix.
func HybridSigType(suite string) []byte {
	t := []byte{SigTypeOther}
	t = append(t, HybridTypePrefix...)
	t = append(t, suite...)
	return append(t, '\n')
}

// HybridKey returns the note key named name for a composite public key of
// the given suite, encoded as publicKey. It returns an error for an invalid
// key name, an empty suite or an empty key.
func HybridKey(name, suite string, publicKey []byte) (Key, error) {
	switch {
	case !ValidKeyName(name):
		return Key{}, fmt.Errorf("invalid key name %q", name)
	case checkLine(suite, 64, false) != nil:
		return Key{}, fmt.Errorf("invalid suite name %q", suite)
	case len(publicKey) == 0:
		return Key{}, fmt.Errorf("empty public key for %q", name)
	}
	return Key{Name: name, ID: KeyID(name, HybridSigType(suite), publicKey)}, nil
}
