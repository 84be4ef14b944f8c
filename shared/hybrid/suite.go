package hybrid

import (
	"crypto"
	"crypto/elliptic"
	"fmt"

	"github.com/cloudflare/circl/sign"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"
)

// Suite names one composite signature algorithm by the name it has in
// draft-ietf-lamps-pq-composite-sigs-19 without the "id-" prefix.
type Suite string

const (
	// SuiteMLDSA65P256 is id-MLDSA65-ECDSA-P256-SHA512, the default suite.
	SuiteMLDSA65P256 Suite = "MLDSA65-ECDSA-P256-SHA512"
	// SuiteMLDSA87P384 is id-MLDSA87-ECDSA-P384-SHA512, the CNSA 2.0 profile.
	SuiteMLDSA87P384 Suite = "MLDSA87-ECDSA-P384-SHA512"
)

// params holds the fixed parameters of a suite (draft-19 §7). The labels are
// those of revision 19 ("COMPSIG-MLDSA65-ECDSA-P256-SHA512"); some earlier
// revisions dropped "ECDSA-" from them, and the revision-19 test vectors only
// verify with the full form.
type params struct {
	label    string         // signature label, also the ML-DSA context
	mldsa    sign.Scheme    // ML-DSA parameter set
	curve    elliptic.Curve // ECDSA curve
	ecHash   crypto.Hash    // hash ECDSA applies to M'
	scalar   int            // byte length of r and s
	maxDER   int            // longest DER Ecdsa-Sig-Value
	pointLen int            // uncompressed SEC 1 point length
}

var suites = map[Suite]*params{
	SuiteMLDSA65P256: {
		label:    "COMPSIG-MLDSA65-ECDSA-P256-SHA512",
		mldsa:    mldsa65.Scheme(),
		curve:    elliptic.P256(),
		ecHash:   crypto.SHA256,
		scalar:   32,
		maxDER:   72,
		pointLen: 65,
	},
	SuiteMLDSA87P384: {
		label:    "COMPSIG-MLDSA87-ECDSA-P384-SHA512",
		mldsa:    mldsa87.Scheme(),
		curve:    elliptic.P384(),
		ecHash:   crypto.SHA384,
		scalar:   48,
		maxDER:   104,
		pointLen: 97,
	},
}

// Suites returns the supported suites, default first.
func Suites() []Suite { return []Suite{SuiteMLDSA65P256, SuiteMLDSA87P384} }

// params returns the parameters of s or ErrUnknownSuite.
func (s Suite) params() (*params, error) {
	p, ok := suites[s]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownSuite, string(s))
	}
	return p, nil
}

// Label returns the draft's signature label for s, or "" for an unknown
// suite. The label is also the FIPS 204 context of the ML-DSA half.
func (s Suite) Label() string {
	if p, ok := suites[s]; ok {
		return p.label
	}
	return ""
}

// Curve returns the elliptic curve of the classical half, or nil for an
// unknown suite.
func (s Suite) Curve() elliptic.Curve {
	if p, ok := suites[s]; ok {
		return p.curve
	}
	return nil
}

// MLDSASignatureSize returns the fixed size in bytes of the ML-DSA half, or 0
// for an unknown suite.
func (s Suite) MLDSASignatureSize() int {
	if p, ok := suites[s]; ok {
		return p.mldsa.SignatureSize()
	}
	return 0
}
