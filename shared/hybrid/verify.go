package hybrid

import (
	"crypto/ecdsa"
	"fmt"

	"github.com/cloudflare/circl/sign"
)

// Verify checks sig, a composite signature over msg with application
// context ctx (draft-ietf-lamps-pq-composite-sigs-19 §4.3). It returns nil
// only if both the ML-DSA half and the ECDSA half verify. It returns
// ErrContextTooLong for a context over 255 bytes and ErrBadSignature (with
// the failing half named) for anything else. It never panics.
func (pk *PublicKey) Verify(msg, ctx, sig []byte) error {
	if pk == nil || pk.mldsa == nil || pk.ec == nil {
		return fmt.Errorf("%w: nil public key", ErrBadSignature)
	}
	p := suites[pk.suite]
	mldsaSig, ecSig, err := SplitSignature(pk.suite, sig)
	if err != nil {
		return err
	}
	m, err := MessageRepresentative(pk.suite, msg, ctx)
	if err != nil {
		return err
	}

	// Both halves are checked; the draft allows an early exit because
	// verification involves no secrets.
	if !p.mldsa.Verify(pk.mldsa, m, mldsaSig, &sign.SignatureOpts{Context: p.label}) {
		return fmt.Errorf("%w: ML-DSA half does not verify", ErrBadSignature)
	}
	digest, _ := ECDSADigest(pk.suite, m)
	if !ecdsa.VerifyASN1(pk.ec, digest, ecSig) {
		return fmt.Errorf("%w: ECDSA half does not verify", ErrBadSignature)
	}
	return nil
}

// SplitSignature separates a composite signature into its fixed-length
// ML-DSA half and its DER ECDSA half (draft §5.3). It returns ErrBadSignature
// when sig is too short or the ECDSA half is empty or too long.
func SplitSignature(suite Suite, sig []byte) (mldsaSig, ecdsaDER []byte, err error) {
	p, err := suite.params()
	if err != nil {
		return nil, nil, err
	}
	n := p.mldsa.SignatureSize()
	if len(sig) <= n || len(sig) > n+p.maxDER {
		return nil, nil, fmt.Errorf("%w: %s signature is %d bytes, want %d to %d",
			ErrBadSignature, suite, len(sig), n+1, n+p.maxDER)
	}
	return sig[:n], sig[n:], nil
}

// Combine returns the composite signature mldsaSig || ecdsaDER (draft §5.3).
// It checks lengths only; callers verify the result with PublicKey.Verify.
// It returns ErrUnknownSuite or ErrBadSignature.
func Combine(suite Suite, mldsaSig, ecdsaDER []byte) ([]byte, error) {
	p, err := suite.params()
	if err != nil {
		return nil, err
	}
	if len(mldsaSig) != p.mldsa.SignatureSize() {
		return nil, fmt.Errorf("%w: ML-DSA half is %d bytes, want %d",
			ErrBadSignature, len(mldsaSig), p.mldsa.SignatureSize())
	}
	if len(ecdsaDER) == 0 || len(ecdsaDER) > p.maxDER {
		return nil, fmt.Errorf("%w: ECDSA half is %d bytes, want 1 to %d",
			ErrBadSignature, len(ecdsaDER), p.maxDER)
	}
	out := make([]byte, 0, len(mldsaSig)+len(ecdsaDER))
	return append(append(out, mldsaSig...), ecdsaDER...), nil
}
