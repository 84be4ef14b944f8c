package hybrid

import (
	"encoding/asn1"
	"fmt"
	"math/big"
)

// ecdsaSigValue is Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }.
type ecdsaSigValue struct {
	R, S *big.Int
}

// ECDSARawToDER converts the fixed-width r || s signature that PKCS#11
// CKM_ECDSA returns (PKCS#11 v2.40 §2.3.1) into the DER Ecdsa-Sig-Value that
// composite signatures carry (RFC 3279 §2.2.3). It returns ErrBadSignature
// when raw is not twice the suite's scalar length or r or s is zero.
func ECDSARawToDER(suite Suite, raw []byte) ([]byte, error) {
	p, err := suite.params()
	if err != nil {
		return nil, err
	}
	if len(raw) != 2*p.scalar {
		return nil, fmt.Errorf("%w: raw ECDSA signature is %d bytes, want %d",
			ErrBadSignature, len(raw), 2*p.scalar)
	}
	r := new(big.Int).SetBytes(raw[:p.scalar])
	s := new(big.Int).SetBytes(raw[p.scalar:])
	if r.Sign() == 0 || s.Sign() == 0 {
		return nil, fmt.Errorf("%w: raw ECDSA signature has a zero component", ErrBadSignature)
	}
	return asn1.Marshal(ecdsaSigValue{R: r, S: s})
}
