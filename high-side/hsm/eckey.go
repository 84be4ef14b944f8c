package hsm

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"fmt"

	"github.com/miekg/pkcs11"
)

// ecPrivateTemplate is the template of a signing key copy: sensitive, and
// extractable only while the ceremony clones it (it is locked afterwards).
// id is its CKA_ID (ecObjectID); nil leaves it to be set afterwards.
func ecPrivateTemplate(label string, id []byte) []*pkcs11.Attribute {
	return withID([]*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
	}, id)
}

// withID appends CKA_ID id to t unless id is nil.
func withID(t []*pkcs11.Attribute, id []byte) []*pkcs11.Attribute {
	if id == nil {
		return t
	}
	return append(t, pkcs11.NewAttribute(pkcs11.CKA_ID, id))
}

// ecPublicTemplate is the template of the public half, with its point when
// it is created rather than generated, and its CKA_ID when id is not nil.
func ecPublicTemplate(label string, id, params, point []byte) []*pkcs11.Attribute {
	t := withID([]*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, params),
	}, id)
	if point != nil {
		t = append(t, pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, point))
	}
	return t
}

// generateECKey makes an ECDSA key pair inside the token (PKCS#11 v2.40
// §2.3.5 CKM_EC_KEY_PAIR_GEN) and, once its point is known, sets the
// CKA_ID of both halves to ecObjectID of it. Key creation on a token is
// serialised by the caller (REPLAY H6).
func generateECKey(mod module, sh pkcs11.SessionHandle, label string, curve elliptic.Curve) (pkcs11.ObjectHandle, *ecdsa.PublicKey, []byte, error) {
	params, err := ecParams(curve)
	if err != nil {
		return 0, nil, nil, err
	}
	mech := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)}
	pubH, privH, err := mod.GenerateKeyPair(sh, mech, ecPublicTemplate(label, nil, params, nil), ecPrivateTemplate(label, nil))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("failed to generate EC key: %w", err)
	}
	attrs, err := readAttributes(mod, sh, pubH, pkcs11.CKA_EC_POINT)
	if err != nil {
		return 0, nil, nil, err
	}
	point := attrs[pkcs11.CKA_EC_POINT]
	pub, err := parseECPoint(curve, point)
	if err != nil {
		return 0, nil, nil, err
	}
	if err := setObjectID(mod, sh, pub, pubH, privH); err != nil {
		return 0, nil, nil, err
	}
	return privH, pub, point, nil
}

// setObjectID sets the CKA_ID of objs to ecObjectID(pub) and reads each
// back (PKCS#11 v2.40 §4.4: CKA_ID is modifiable).
func setObjectID(mod module, sh pkcs11.SessionHandle, pub *ecdsa.PublicKey, objs ...pkcs11.ObjectHandle) error {
	id, err := ecObjectID(pub)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if err := mod.SetAttributeValue(sh, o, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_ID, id)}); err != nil {
			return fmt.Errorf("failed to set CKA_ID of EC key: %w", err)
		}
		attrs, err := readAttributes(mod, sh, o, pkcs11.CKA_ID)
		if err != nil {
			return err
		}
		if !bytes.Equal(attrs[pkcs11.CKA_ID], id) {
			return fmt.Errorf("EC key CKA_ID reads back as %x, want %x", attrs[pkcs11.CKA_ID], id)
		}
	}
	return nil
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
// Both halves get CKA_ID id, the same as on the source token.
func cloneECKey(src, dst module, srcSh, dstSh pkcs11.SessionHandle, srcKEK, dstKEK, key pkcs11.ObjectHandle,
	label string, id []byte, curve elliptic.Curve, point []byte) (pkcs11.ObjectHandle, error) {
	wrapped, err := src.WrapKey(srcSh, wrapMechanism(), srcKEK, key)
	if err != nil {
		return 0, fmt.Errorf("failed to wrap EC key: %w", err)
	}
	defer clear(wrapped)
	h, err := dst.UnwrapKey(dstSh, wrapMechanism(), dstKEK, wrapped, ecPrivateTemplate(label, id))
	if err != nil {
		return 0, fmt.Errorf("failed to unwrap EC key: %w", err)
	}
	params, err := ecParams(curve)
	if err != nil {
		return 0, err
	}
	if _, err := dst.CreateObject(dstSh, ecPublicTemplate(label, id, params, point)); err != nil {
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
