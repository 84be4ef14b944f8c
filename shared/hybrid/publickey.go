package hybrid

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"fmt"

	"github.com/cloudflare/circl/sign"
)

// PublicKey is a composite ML-DSA public key. It is immutable and safe for
// concurrent use.
type PublicKey struct {
	suite Suite
	raw   []byte // ML-DSA public key || uncompressed EC point
	mldsa sign.PublicKey
	ec    *ecdsa.PublicKey
}

// ParsePublicKey parses raw, the composite public key encoding of
// draft-ietf-lamps-pq-composite-sigs-19 §5.1: the FIPS 204 §7.2 ML-DSA public
// key followed by the uncompressed SEC 1 §2.3.3 EC point. It returns
// ErrUnknownSuite, or ErrBadPublicKey when the length is wrong or the point
// is not on the curve.
func ParsePublicKey(suite Suite, raw []byte) (*PublicKey, error) {
	p, err := suite.params()
	if err != nil {
		return nil, err
	}
	n := p.mldsa.PublicKeySize()
	if len(raw) != n+p.pointLen {
		return nil, fmt.Errorf("%w: %s key is %d bytes, want %d",
			ErrBadPublicKey, suite, len(raw), n+p.pointLen)
	}
	mpk, err := p.mldsa.UnmarshalBinaryPublicKey(raw[:n])
	if err != nil {
		return nil, fmt.Errorf("%w: ML-DSA half: %v", ErrBadPublicKey, err)
	}
	ec, err := ecdsa.ParseUncompressedPublicKey(p.curve, raw[n:])
	if err != nil {
		return nil, fmt.Errorf("%w: EC half: %v", ErrBadPublicKey, err)
	}
	return &PublicKey{suite: suite, raw: clone(raw), mldsa: mpk, ec: ec}, nil
}

// NewPublicKey assembles a composite public key from its halves: mldsaPK in
// FIPS 204 §7.2 encoding and ec on the suite's curve. It returns the errors
// of ParsePublicKey.
func NewPublicKey(suite Suite, mldsaPK []byte, ec *ecdsa.PublicKey) (*PublicKey, error) {
	p, err := suite.params()
	if err != nil {
		return nil, err
	}
	if ec == nil || ec.Curve != p.curve {
		return nil, fmt.Errorf("%w: EC key is not on the %s curve", ErrBadPublicKey, suite)
	}
	point, err := ec.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%w: EC half: %v", ErrBadPublicKey, err)
	}
	return ParsePublicKey(suite, append(clone(mldsaPK), point...))
}

// Bytes returns a copy of the composite public key encoding.
func (pk *PublicKey) Bytes() []byte { return clone(pk.raw) }

// Suite returns the key's suite.
func (pk *PublicKey) Suite() Suite { return pk.suite }

// MLDSABytes returns a copy of the ML-DSA half in FIPS 204 §7.2 encoding.
func (pk *PublicKey) MLDSABytes() []byte {
	return clone(pk.raw[:len(pk.raw)-suites[pk.suite].pointLen])
}

// ECDSA returns the classical half. The caller must not modify it.
func (pk *PublicKey) ECDSA() *ecdsa.PublicKey { return pk.ec }

// KeyID returns SHA-256(suite || 0x00 || raw), a stable identifier that
// binds the suite name to the key bytes.
func (pk *PublicKey) KeyID() [32]byte {
	h := sha256.New()
	h.Write([]byte(pk.suite))
	h.Write([]byte{0})
	h.Write(pk.raw)
	var id [32]byte
	h.Sum(id[:0])
	return id
}

// Equal reports whether pk and other are the same suite and key bytes.
func (pk *PublicKey) Equal(other *PublicKey) bool {
	return pk != nil && other != nil && pk.suite == other.suite &&
		string(pk.raw) == string(other.raw)
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
