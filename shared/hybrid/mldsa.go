package hybrid

import (
	"fmt"

	"github.com/cloudflare/circl/sign"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"
)

// SeedSize is the size in bytes of an ML-DSA key generation seed
// (FIPS 204 §6.1, ξ).
const SeedSize = 32

// MLDSAKey is the ML-DSA half of a composite private key, expanded from a
// seed with ML-DSA.KeyGen_internal (FIPS 204 Algorithm 6). Only seeds are
// ever stored: an expanded key is rebuilt in memory on each start. It is
// safe for concurrent use.
type MLDSAKey struct {
	suite Suite
	sk    sign.PrivateKey
	pk    []byte
}

// NewMLDSAKey expands seed into the ML-DSA half of suite. The caller keeps
// ownership of seed and should zero it afterwards. It returns
// ErrUnknownSuite or ErrBadSeed.
func NewMLDSAKey(suite Suite, seed []byte) (*MLDSAKey, error) {
	p, err := suite.params()
	if err != nil {
		return nil, err
	}
	if len(seed) != SeedSize {
		return nil, fmt.Errorf("%w: got %d bytes", ErrBadSeed, len(seed))
	}
	pk, sk := p.mldsa.DeriveKey(seed)
	pkBytes, err := pk.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("failed to encode ML-DSA public key: %w", err)
	}
	return &MLDSAKey{suite: suite, sk: sk, pk: pkBytes}, nil
}

// PublicBytes returns a copy of the ML-DSA public key (FIPS 204 §7.2).
func (k *MLDSAKey) PublicBytes() []byte { return clone(k.pk) }

// Sign returns the hedged ML-DSA signature of the message representative
// M' with the suite label as FIPS 204 context (draft §4.2 step 4). The
// per-signature randomness comes from crypto/rand (FIPS 204 §3.4).
func (k *MLDSAKey) Sign(representative []byte) ([]byte, error) {
	label := []byte(k.suite.Label())
	switch sk := k.sk.(type) {
	case *mldsa65.PrivateKey:
		sig := make([]byte, mldsa65.SignatureSize)
		return sig, mldsa65.SignTo(sk, representative, label, true, sig)
	case *mldsa87.PrivateKey:
		sig := make([]byte, mldsa87.SignatureSize)
		return sig, mldsa87.SignTo(sk, representative, label, true, sig)
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownSuite, string(k.suite))
}
