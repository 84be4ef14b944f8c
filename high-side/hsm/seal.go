package hsm

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"bastion/shared/hybrid"

	"github.com/miekg/pkcs11"
)

// SealedSeed is an ML-DSA seed encrypted with AES-256-GCM under the KEK
// inside the HSM (NIST SP 800-38D). The associated data binds it to the
// suite and to the key id of the composite public key it belongs to, so a
// seed cannot be swapped between keys.
//
// Its file form is one line:
//
//	bastion-sealed-seed v1 <suite> <kek-label> <key-id-hex> <nonce-b64> <ciphertext-b64>
type SealedSeed struct {
	Suite      hybrid.Suite
	KEKLabel   string
	KeyID      [32]byte
	Nonce      []byte // 12 bytes
	Ciphertext []byte // sealed seed followed by the 16-byte tag
}

const sealedMagic = "bastion-sealed-seed v1"

// aad returns the GCM associated data of s.
func (s *SealedSeed) aad() []byte {
	return bytes.Join([][]byte{[]byte(sealedMagic), []byte(s.Suite), s.KeyID[:]}, []byte{0})
}

// Marshal returns the one-line file form of s.
func (s *SealedSeed) Marshal() []byte {
	return fmt.Appendf(nil, "%s %s %s %s %s %s\n", sealedMagic, s.Suite, s.KEKLabel,
		hex.EncodeToString(s.KeyID[:]), base64.StdEncoding.EncodeToString(s.Nonce),
		base64.StdEncoding.EncodeToString(s.Ciphertext))
}

// ParseSealedSeed parses the file form. It returns ErrBadSealedSeed naming
// the field that is wrong.
func ParseSealedSeed(b []byte) (*SealedSeed, error) {
	if len(b) > 1024 {
		return nil, fmt.Errorf("%w: %d bytes", ErrBadSealedSeed, len(b))
	}
	line := strings.TrimSuffix(string(b), "\n")
	f := strings.Split(line, " ")
	if len(f) != 7 || f[0]+" "+f[1] != sealedMagic || strings.ContainsAny(line, "\r\n\t") {
		return nil, fmt.Errorf("%w: want one line starting %q with 7 fields", ErrBadSealedSeed, sealedMagic)
	}
	s := &SealedSeed{Suite: hybrid.Suite(f[2]), KEKLabel: f[3]}
	if s.Suite.Label() == "" {
		return nil, fmt.Errorf("%w: unknown suite %q", ErrBadSealedSeed, f[2])
	}
	if !hybrid.ValidKeyName(s.KEKLabel) {
		return nil, fmt.Errorf("%w: invalid KEK label", ErrBadSealedSeed)
	}
	id, err := hex.DecodeString(f[4])
	if err != nil || len(id) != 32 || hex.EncodeToString(id) != f[4] {
		return nil, fmt.Errorf("%w: key id is not 64 lower-case hex digits", ErrBadSealedSeed)
	}
	copy(s.KeyID[:], id)
	if s.Nonce, err = decodeB64(f[5], 12, 12); err != nil {
		return nil, fmt.Errorf("%w: nonce: %v", ErrBadSealedSeed, err)
	}
	if s.Ciphertext, err = decodeB64(f[6], hybrid.SeedSize+16, hybrid.SeedSize+16); err != nil {
		return nil, fmt.Errorf("%w: ciphertext: %v", ErrBadSealedSeed, err)
	}
	return s, nil
}

// decodeB64 decodes strict standard base64 of min to max bytes.
func decodeB64(s string, minLen, maxLen int) ([]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, err
	}
	if len(b) < minLen || len(b) > maxLen {
		return nil, fmt.Errorf("%d bytes, want %d to %d", len(b), minLen, maxLen)
	}
	return b, nil
}

// gcmMechanism returns CKM_AES_GCM with a 128-bit tag (PKCS#11 v2.40
// §2.11.2). The caller frees params after the operation.
func gcmMechanism(nonce, aad []byte) ([]*pkcs11.Mechanism, *pkcs11.GCMParams) {
	params := pkcs11.NewGCMParams(nonce, aad, 128)
	return []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_GCM, params)}, params
}

// sealOn encrypts seed under the KEK kek on session sh.
func sealOn(mod module, sh pkcs11.SessionHandle, kek pkcs11.ObjectHandle, s *SealedSeed, seed []byte) error {
	s.Nonce = make([]byte, 12)
	if _, err := rand.Read(s.Nonce); err != nil {
		return err
	}
	mech, params := gcmMechanism(s.Nonce, s.aad())
	defer params.Free()
	if err := mod.EncryptInit(sh, mech, kek); err != nil {
		return fmt.Errorf("failed to start sealing: %w", err)
	}
	ct, err := mod.Encrypt(sh, seed)
	if err != nil {
		return fmt.Errorf("failed to seal seed: %w", err)
	}
	s.Ciphertext = ct
	return nil
}

// unsealOn decrypts s with the KEK kek on session sh. A failed tag check
// is ErrUnsealAuth (ClassAuth), not a token failure: SoftHSM 2.6 reports a
// GCM tag mismatch as CKR_GENERAL_ERROR, so that code, when the session is
// still healthy afterwards, is taken as an authentication failure
// (REPLAY H7).
func unsealOn(mod module, sh pkcs11.SessionHandle, kek pkcs11.ObjectHandle, s *SealedSeed) ([]byte, error) {
	mech, params := gcmMechanism(s.Nonce, s.aad())
	defer params.Free()
	if err := mod.DecryptInit(sh, mech, kek); err != nil {
		return nil, fmt.Errorf("failed to start unsealing: %w", err)
	}
	seed, err := mod.Decrypt(sh, s.Ciphertext)
	switch err {
	case nil:
		if len(seed) != hybrid.SeedSize {
			clear(seed)
			return nil, classedError{ClassAuth, fmt.Errorf("%w: seed is %d bytes", ErrUnsealAuth, len(seed))}
		}
		return seed, nil
	case pkcs11.Error(pkcs11.CKR_GENERAL_ERROR), pkcs11.Error(pkcs11.CKR_ENCRYPTED_DATA_INVALID),
		pkcs11.Error(pkcs11.CKR_ENCRYPTED_DATA_LEN_RANGE):
		if _, herr := mod.GetSessionInfo(sh); herr == nil {
			return nil, classedError{ClassAuth, fmt.Errorf("%w (token said %v)", ErrUnsealAuth, err)}
		}
	}
	return nil, fmt.Errorf("failed to unseal seed: %w", err)
}
