package hsm

import (
	"fmt"

	"bastion/shared/hybrid"

	"github.com/cloudflare/circl/sign"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"
)

// mldsaVerifier checks the ML-DSA half of a composite signature against
// the enrolled key, parsed once.
type mldsaVerifier struct {
	scheme sign.Scheme
	pk     sign.PublicKey
	opts   *sign.SignatureOpts
}

// newMLDSAVerifier parses the ML-DSA half of pub.
func newMLDSAVerifier(pub *hybrid.PublicKey) (mldsaVerifier, error) {
	var scheme sign.Scheme
	switch pub.Suite() {
	case hybrid.SuiteMLDSA65P256:
		scheme = mldsa65.Scheme()
	case hybrid.SuiteMLDSA87P384:
		scheme = mldsa87.Scheme()
	default:
		return mldsaVerifier{}, fmt.Errorf("%w: %q", hybrid.ErrUnknownSuite, string(pub.Suite()))
	}
	pk, err := scheme.UnmarshalBinaryPublicKey(pub.MLDSABytes())
	if err != nil {
		return mldsaVerifier{}, fmt.Errorf("malformed ML-DSA public key: %v", err)
	}
	return mldsaVerifier{scheme: scheme, pk: pk, opts: &sign.SignatureOpts{Context: pub.Suite().Label()}}, nil
}

// verify checks sig over the message representative m with the suite
// label as FIPS 204 context (FIPS 204 Algorithm 3; draft §4.3 step 5).
func (v mldsaVerifier) verify(m, sig []byte) bool {
	return v.scheme.Verify(v.pk, m, sig, v.opts)
}
