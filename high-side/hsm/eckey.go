package hsm

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"fmt"

	"github.com/miekg/pkcs11"
)

// ecPrivateTemplate is the template of a signing key copy: sensitive, and
// extractable only while the ceremony clones it (it is locked afterwards).
func ecPrivateTemplate(label string) []*pkcs11.Attribute {
	return []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_ID, []byte(label)),
	}
}

// ecPublicTemplate is the template of the public half, with its point when
// it is created rather than generated.
func ecPublicTemplate(label string, params, point []byte) []*pkcs11.Attribute {
	t := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_ID, []byte(label)),
		pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, params),
	}
	if point != nil {
		t = append(t, pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, point))
	}
	return t
}

// generateECKey makes an ECDSA key pair inside the token (PKCS#11 v2.40
// §2.3.5 CKM_EC_KEY_PAIR_GEN). Key creation on a token is serialised by
// the caller (REPLAY H6).
func generateECKey(mod module, sh pkcs11.SessionHandle, label string, curve elliptic.Curve) (pkcs11.ObjectHandle, *ecdsa.PublicKey, []byte, error) {
	params, err := ecParams(curve)
	if err != nil {
		return 0, nil, nil, err
	}
	mech := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)}
	pubH, privH, err := mod.GenerateKeyPair(sh, mech, ecPublicTemplate(label, params, nil), ecPrivateTemplate(label))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("failed to generate EC key: %w", err)
	}
	attrs, err := readAttributes(mod, sh, pubH, pkcs11.CKA_EC_POINT)
	if err != nil {
		return 0, nil, nil, err
	}
	point := attrs[pkcs11.CKA_EC_POINT]
	pub, err := parseECPoint(curve, point)
	return privH, pub, point, err
}

// wrapMechanism is AES key wrap with padding (RFC 5649, PKCS#11 v2.40
// §2.14.3 CKM_AES_KEY_WRAP_PAD), which SoftHSM 2.6.1 supports for private
// keys; the wrapped form is the PKCS#8 encoding of the key.
func wrapMechanism() []*pkcs11.Mechanism {
	return []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_KEY_WRAP_PAD, nil)}
}

// cloneECKey copies the private key key from one token to another by
// wrapping it under the source KEK and unwrapping it under the destination
// KEK (both tokens hold the same KEK), then creates the public half there.
func cloneECKey(src, dst module, srcSh, dstSh pkcs11.SessionHandle, srcKEK, dstKEK, key pkcs11.ObjectHandle,
	label string, curve elliptic.Curve, point []byte) (pkcs11.ObjectHandle, error) {
	wrapped, err := src.WrapKey(srcSh, wrapMechanism(), srcKEK, key)
	if err != nil {
		return 0, fmt.Errorf("failed to wrap EC key: %w", err)
	}
	defer clear(wrapped)
	h, err := dst.UnwrapKey(dstSh, wrapMechanism(), dstKEK, wrapped, ecPrivateTemplate(label))
	if err != nil {
		return 0, fmt.Errorf("failed to unwrap EC key: %w", err)
	}
	params, err := ecParams(curve)
	if err != nil {
		return 0, err
	}
	if _, err := dst.CreateObject(dstSh, ecPublicTemplate(label, params, point)); err != nil {
		return 0, fmt.Errorf("failed to create EC public key: %w", err)
	}
	return h, nil
}

// lockKey clears CKA_EXTRACTABLE, which PKCS#11 allows only from true to
// false, and reads it back: after the ceremony no copy can leave a token.
func lockKey(mod module, sh pkcs11.SessionHandle, key pkcs11.ObjectHandle) error {
	if err := mod.SetAttributeValue(sh, key, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false)}); err != nil {
		return fmt.Errorf("failed to lock EC key: %w", err)
	}
	attrs, err := readAttributes(mod, sh, key, pkcs11.CKA_EXTRACTABLE)
	if err != nil {
		return err
	}
	if v := attrs[pkcs11.CKA_EXTRACTABLE]; len(v) != 1 || v[0] != 0 {
		return fmt.Errorf("EC key still extractable after locking")
	}
	return nil
}
