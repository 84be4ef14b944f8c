package hybrid

import (
	"crypto/sha512"
	"fmt"
)

// prefix is the ASCII string "CompositeAlgorithmSignatures2025"
// (draft-ietf-lamps-pq-composite-sigs-19 §2.2).
const prefix = "CompositeAlgorithmSignatures2025"

// MessageRepresentative returns M' = Prefix || Label || len(ctx) || ctx ||
// SHA-512(msg) for suite (draft §2.2 and §4.2 step 2). len(ctx) is one
// unsigned byte, as in FIPS 204 Algorithm 2. It returns ErrUnknownSuite or
// ErrContextTooLong.
func MessageRepresentative(suite Suite, msg, ctx []byte) ([]byte, error) {
	p, err := suite.params()
	if err != nil {
		return nil, err
	}
	if len(ctx) > 255 {
		return nil, fmt.Errorf("%w: %d bytes", ErrContextTooLong, len(ctx))
	}
	ph := sha512.Sum512(msg)

	m := make([]byte, 0, len(prefix)+len(p.label)+1+len(ctx)+len(ph))
	m = append(m, prefix...)
	m = append(m, p.label...)
	m = append(m, byte(len(ctx)))
	m = append(m, ctx...)
	return append(m, ph[:]...), nil
}

// ECDSADigest returns the hash the classical half signs: SHA-256(M') for
// P-256 and SHA-384(M') for P-384 (draft §7, "ecdsa-with-SHA256/384"). A
// token signing with raw CKM_ECDSA signs exactly these bytes.
func ECDSADigest(suite Suite, representative []byte) ([]byte, error) {
	p, err := suite.params()
	if err != nil {
		return nil, err
	}
	h := p.ecHash.New()
	h.Write(representative)
	return h.Sum(nil), nil
}
