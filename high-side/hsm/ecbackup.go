package hsm

import (
	"crypto/ecdsa"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"

	"bastion/shared/hybrid"

	"github.com/miekg/pkcs11"
)

// WrappedKey is the ceremony's backup of the ECDSA private key: the key as
// the first token wraps it under the KEK with CKM_AES_KEY_WRAP_PAD (RFC
// 5649, PKCS#11 v2.40 §2.14.3), taken while the key is still extractable
// and before every copy is locked. Its plaintext is the PKCS#8 encoding of
// the key; it never exists outside a token in the clear. Only a token that
// holds the KEK, which custodians rebuild from their shares, can unwrap it,
// so it is exactly as protected as the sealed ML-DSA seed beside it.
//
// RFC 5649 authenticates the wrapped bytes but binds no context; recovery
// therefore proves the unwrapped key by signing with it and verifying the
// signature with the enrolled public key.
//
// Its file form is one line:
//
//	bastion-wrapped-key v1 <suite> <kek-label> <key-id-hex> <wrapped-b64>
type WrappedKey struct {
	Suite    hybrid.Suite
	KEKLabel string
	KeyID    [32]byte // hybrid.PublicKey.KeyID of the composite key
	Wrapped  []byte   // RFC 5649 output, 24 to 512 bytes
}

const wrappedMagic = "bastion-wrapped-key v1"

// Marshal returns the one-line file form of w.
func (w *WrappedKey) Marshal() []byte {
	return fmt.Appendf(nil, "%s %s %s %s %s\n", wrappedMagic, w.Suite, w.KEKLabel,
		hex.EncodeToString(w.KeyID[:]), base64.StdEncoding.EncodeToString(w.Wrapped))
}

// ParseWrappedKey parses the file form. It returns ErrBadWrappedKey naming
// the field that is wrong.
func ParseWrappedKey(b []byte) (*WrappedKey, error) {
	if len(b) > 2048 {
		return nil, fmt.Errorf("%w: %d bytes", ErrBadWrappedKey, len(b))
	}
	line := strings.TrimSuffix(string(b), "\n")
	f := strings.Split(line, " ")
	if len(f) != 6 || f[0]+" "+f[1] != wrappedMagic || strings.ContainsAny(line, "\r\n\t") {
		return nil, fmt.Errorf("%w: want one line starting %q with 6 fields", ErrBadWrappedKey, wrappedMagic)
	}
	w := &WrappedKey{Suite: hybrid.Suite(f[2]), KEKLabel: f[3]}
	if w.Suite.Label() == "" {
		return nil, fmt.Errorf("%w: unknown suite %q", ErrBadWrappedKey, f[2])
	}
	if !hybrid.ValidKeyName(w.KEKLabel) {
		return nil, fmt.Errorf("%w: invalid KEK label", ErrBadWrappedKey)
	}
	if !isHex(f[4], 64) {
		return nil, fmt.Errorf("%w: key id is not 64 lower-case hex digits", ErrBadWrappedKey)
	}
	hex.Decode(w.KeyID[:], []byte(f[4]))
	var err error
	if w.Wrapped, err = decodeB64(f[5], 24, 512); err != nil {
		return nil, fmt.Errorf("%w: wrapped key: %v", ErrBadWrappedKey, err)
	}
	if len(w.Wrapped)%8 != 0 {
		return nil, fmt.Errorf("%w: wrapped key is %d bytes, not a multiple of 8", ErrBadWrappedKey, len(w.Wrapped))
	}
	return w, nil
}

// wrapECKeyBackup wraps the still extractable key under the first token's
// KEK and keeps the result for writeECKeyBackup. The caller locks the key
// afterwards.
func (r *ceremonyRun) wrapECKeyBackup(key pkcs11.ObjectHandle) error {
	wrapped, err := r.mods[0].WrapKey(r.sessions[0], wrapMechanism(), r.keks[0], key)
	if err != nil {
		return fmt.Errorf("failed to wrap EC key for backup: %w", err)
	}
	r.ecWrapped = wrapped
	return nil
}

// writeECKeyBackup writes keys/<name>.ecwrap (0600) for the composite key
// keyID.
func (r *ceremonyRun) writeECKeyBackup(keyID [32]byte) error {
	w := &WrappedKey{Suite: r.Suite, KEKLabel: KEKLabel, KeyID: keyID, Wrapped: r.ecWrapped}
	r.res.ECBackupFile = filepath.Join(r.Dir, "keys", r.KeyName+".ecwrap")
	return writeFile(r.res.ECBackupFile, w.Marshal(), 0o600)
}

// restoreECKey unwraps the backup into a token under its KEK, creates the
// public half from the enrolled key, both with CKA_ID ecObjectID(pub) as
// the lost tokens had, proves the pair by a test signature verified
// against the enrolled key, and locks the private key.
func restoreECKey(mod module, sh pkcs11.SessionHandle, kek pkcs11.ObjectHandle, w *WrappedKey,
	label string, pub *ecdsa.PublicKey) error {
	id, err := ecObjectID(pub)
	if err != nil {
		return err
	}
	key, err := mod.UnwrapKey(sh, wrapMechanism(), kek, w.Wrapped, ecPrivateTemplate(label, id))
	if err != nil {
		return fmt.Errorf("failed to unwrap EC key backup: %w", err)
	}
	point, err := ecPointAttribute(pub)
	if err != nil {
		return err
	}
	params, err := ecParams(pub.Curve)
	if err != nil {
		return err
	}
	if _, err := mod.CreateObject(sh, ecPublicTemplate(label, id, params, point)); err != nil {
		return fmt.Errorf("failed to create EC public key: %w", err)
	}
	if err := proveECKey(mod, sh, key, w.Suite, pub); err != nil {
		return err
	}
	return lockKey(mod, sh, key)
}

// ecPointAttribute returns the CKA_EC_POINT value of pub: the uncompressed
// SEC 1 point as a DER OCTET STRING (PKCS#11 v2.40 §2.3.3), the form the
// token gives a key it generates.
func ecPointAttribute(pub *ecdsa.PublicKey) ([]byte, error) {
	raw, err := pub.Bytes()
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(raw)
}

// proveECKey signs a fixed digest with key (raw CKM_ECDSA) and verifies the
// signature with pub; it returns ErrKeyMismatch when they do not belong
// together.
func proveECKey(mod module, sh pkcs11.SessionHandle, key pkcs11.ObjectHandle, suite hybrid.Suite, pub *ecdsa.PublicKey) error {
	size := (pub.Curve.Params().BitSize + 7) / 8
	digest := make([]byte, size)
	copy(digest, "bastion ec key recovery check")
	if err := mod.SignInit(sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, key); err != nil {
		return fmt.Errorf("failed to start EC test signature: %w", err)
	}
	raw, err := mod.Sign(sh, digest)
	if err != nil {
		return fmt.Errorf("failed to make EC test signature: %w", err)
	}
	der, err := hybrid.ECDSARawToDER(suite, raw)
	if err != nil || !ecdsa.VerifyASN1(pub, digest, der) {
		return fmt.Errorf("%w: the unwrapped EC key does not sign for the enrolled public key", ErrKeyMismatch)
	}
	return nil
}
