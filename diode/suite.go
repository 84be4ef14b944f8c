package diode

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hpke"
	"encoding/binary"
	"fmt"
)

// HPKE suite of a session (RFC 9180 §7): the X-Wing KEM, HKDF-SHA256 and
// AES-256-GCM. Datagrams are sealed with AES-256-GCM under a key exported
// from the HPKE context (RFC 9180 §5.3), because HPKE's own Seal needs
// in-order delivery and a datagram link loses and reorders.
var (
	suiteKDF  = hpke.HKDFSHA256()
	suiteAEAD = hpke.AES256GCM()
)

const exportLabel = "bastion diode datagram key v1"

// hpkeInfo binds the session key to the link and session id.
func hpkeInfo(link string, session uint64) []byte {
	b := []byte("bastion diode v1\x00" + link + "\x00")
	return binary.BigEndian.AppendUint64(b, session)
}

// openSenderKey encapsulates a new session key to pub and returns the
// encapsulated key for the announcement and the datagram AEAD.
func openSenderKey(pub []byte, link string, session uint64) (enc []byte, a cipher.AEAD, err error) {
	pk, err := kem.NewPublicKey(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid recipient public key: %w", err)
	}
	enc, s, err := hpke.NewSender(pk, suiteKDF, suiteAEAD, hpkeInfo(link, session))
	if err != nil {
		return nil, nil, fmt.Errorf("failed to set up HPKE sender: %w", err)
	}
	key, err := s.Export(exportLabel, 32)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to export session key: %w", err)
	}
	a, err = newAEAD(key)
	return enc, a, err
}

// openReceiverKey decapsulates enc with priv and returns the datagram AEAD.
func openReceiverKey(priv hpke.PrivateKey, enc []byte, link string, session uint64) (cipher.AEAD, error) {
	r, err := hpke.NewRecipient(enc, priv, suiteKDF, suiteAEAD, hpkeInfo(link, session))
	if err != nil {
		return nil, fmt.Errorf("failed to open HPKE session: %w", err)
	}
	key, err := r.Export(exportLabel, 32)
	if err != nil {
		return nil, fmt.Errorf("failed to export session key: %w", err)
	}
	return newAEAD(key)
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	defer clear(key)
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("failed to make session cipher: %w", err)
	}
	a, err := cipher.NewGCM(b)
	if err != nil {
		return nil, fmt.Errorf("failed to make session cipher: %w", err)
	}
	return a, nil
}
