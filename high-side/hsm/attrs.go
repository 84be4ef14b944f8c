package hsm

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/asn1"
	"fmt"

	"github.com/miekg/pkcs11"
)

// readAttributes reads the attributes types of obj one at a time, so that
// one sensitive or unsupported attribute does not fail the whole read
// (REPLAY H2; PKCS#11 v2.40 §5.7 C_GetAttributeValue returns an error for
// the whole template when any one attribute cannot be revealed). Attributes
// the token refuses as sensitive or invalid are left out of the result;
// any other failure is returned.
func readAttributes(mod module, sh pkcs11.SessionHandle, obj pkcs11.ObjectHandle, types ...uint) (map[uint][]byte, error) {
	out := make(map[uint][]byte, len(types))
	for _, typ := range types {
		attrs, err := mod.GetAttributeValue(sh, obj, []*pkcs11.Attribute{pkcs11.NewAttribute(typ, nil)})
		switch err {
		case nil:
			out[typ] = attrs[0].Value
		case pkcs11.Error(pkcs11.CKR_ATTRIBUTE_SENSITIVE), pkcs11.Error(pkcs11.CKR_ATTRIBUTE_TYPE_INVALID):
			continue
		default:
			return nil, fmt.Errorf("failed to read attribute 0x%x: %w", typ, err)
		}
	}
	return out, nil
}

// ecPublicKey returns the public key held in the CKA_EC_POINT of the public
// key object whose CKA_ID is id. PKCS#11 v2.40 §2.3.3 stores the point as a DER
// OCTET STRING; a bare point, as some tokens return, is accepted too.
func ecPublicKey(mod module, sh pkcs11.SessionHandle, id []byte, curve elliptic.Curve) (*ecdsa.PublicKey, error) {
	obj, err := findObject(mod, sh, pkcs11.CKO_PUBLIC_KEY, id)
	if err != nil {
		return nil, err
	}
	attrs, err := readAttributes(mod, sh, obj, pkcs11.CKA_EC_POINT)
	if err != nil {
		return nil, err
	}
	return parseECPoint(curve, attrs[pkcs11.CKA_EC_POINT])
}

// parseECPoint decodes a CKA_EC_POINT value on curve.
func parseECPoint(curve elliptic.Curve, v []byte) (*ecdsa.PublicKey, error) {
	var inner []byte
	if rest, err := asn1.Unmarshal(v, &inner); err == nil && len(rest) == 0 {
		v = inner
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, v)
	if err != nil {
		return nil, fmt.Errorf("malformed CKA_EC_POINT: %v", err)
	}
	return pub, nil
}

// ecParams returns the DER OID of curve for CKA_EC_PARAMS (RFC 5480 §2.1.1.1).
func ecParams(curve elliptic.Curve) ([]byte, error) {
	oid, ok := map[elliptic.Curve]asn1.ObjectIdentifier{
		elliptic.P256(): {1, 2, 840, 10045, 3, 1, 7},
		elliptic.P384(): {1, 3, 132, 0, 34},
	}[curve]
	if !ok {
		return nil, fmt.Errorf("unsupported curve %s", curve.Params().Name)
	}
	return asn1.Marshal(oid)
}
