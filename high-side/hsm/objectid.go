package hsm

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// Key objects are found by CKA_ID and class, never by CKA_LABEL. A label
// is a display string that anyone holding the user PIN can change or
// repeat on another object; a CKA_ID is derived from the key itself, is
// the same on every token that holds the key, and so names the key and
// nothing else (PKCS#11 v2.40 §4.4: CKA_ID distinguishes keys of the same
// subject, CKA_LABEL is a description).

// objectIDSize is the length of every CKA_ID this package sets, in bytes.
const objectIDSize = 16

// ecObjectID returns the CKA_ID of the EC key pair whose public key is
// pub, on both its private and its public object: the first 16 bytes of
// SHA-256 of the uncompressed SEC 1 point (SEC 1 v2 §2.3.3).
func ecObjectID(pub *ecdsa.PublicKey) ([]byte, error) {
	point, err := pub.Bytes()
	if err != nil {
		return nil, fmt.Errorf("failed to encode EC public key: %w", err)
	}
	sum := sha256.Sum256(point)
	return sum[:objectIDSize], nil
}

// kekObjectID returns the CKA_ID of the KEK whose check value is kcv (6
// hex digits, PKCS#11 v3.0 §2.8): the first 16 bytes of SHA-256 of the
// three check-value bytes. The KEK is secret, so its identifier is made
// from the value every token already reveals, never from the key.
func kekObjectID(kcv string) []byte {
	b, _ := hex.DecodeString(kcv) // checked by Config.validate and the ceremony
	sum := sha256.Sum256(b)
	return sum[:objectIDSize]
}
