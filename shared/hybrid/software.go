package hybrid

import (
	"crypto/ecdsa"
	"crypto/rand"
	"fmt"
	"io"
)

// Signer makes composite signatures. Implementations are safe for
// concurrent use.
type Signer interface {
	// Public returns the composite public key that verifies the signatures.
	Public() *PublicKey
	// Sign returns a composite signature over msg with application context
	// ctx (at most 255 bytes).
	Sign(msg, ctx []byte) ([]byte, error)
}

// SoftwareSigner is a Signer whose two private keys live in process memory.
// It exists for tests and in-memory fakes; production signatures are made by
// the high side's HSM pool.
type SoftwareSigner struct {
	mldsa *MLDSAKey
	ec    *ecdsa.PrivateKey
	pub   *PublicKey
}

var _ Signer = (*SoftwareSigner)(nil)

// NewSoftwareSigner generates a fresh composite key pair for suite, reading
// the ML-DSA seed and the ECDSA key from rand (crypto/rand when nil). It
// returns ErrUnknownSuite or the reader's error.
func NewSoftwareSigner(suite Suite, rand io.Reader) (*SoftwareSigner, error) {
	p, err := suite.params()
	if err != nil {
		return nil, err
	}
	if rand == nil {
		rand = cryptoRand
	}
	seed := make([]byte, SeedSize)
	defer clear(seed)
	if _, err := io.ReadFull(rand, seed); err != nil {
		return nil, fmt.Errorf("failed to read ML-DSA seed: %w", err)
	}
	ec, err := ecdsa.GenerateKey(p.curve, rand)
	if err != nil {
		return nil, fmt.Errorf("failed to generate ECDSA key: %w", err)
	}
	return newSoftwareSigner(suite, seed, ec)
}

// newSoftwareSigner builds a signer from an ML-DSA seed and an ECDSA key.
func newSoftwareSigner(suite Suite, seed []byte, ec *ecdsa.PrivateKey) (*SoftwareSigner, error) {
	mk, err := NewMLDSAKey(suite, seed)
	if err != nil {
		return nil, err
	}
	pub, err := NewPublicKey(suite, mk.PublicBytes(), &ec.PublicKey)
	if err != nil {
		return nil, err
	}
	return &SoftwareSigner{mldsa: mk, ec: ec, pub: pub}, nil
}

// Public returns the composite public key.
func (s *SoftwareSigner) Public() *PublicKey { return s.pub }

// Sign returns a composite signature over msg with context ctx
// (draft-ietf-lamps-pq-composite-sigs-19 §4.2). It returns
// ErrContextTooLong or a signing error.
func (s *SoftwareSigner) Sign(msg, ctx []byte) ([]byte, error) {
	m, err := MessageRepresentative(s.pub.suite, msg, ctx)
	if err != nil {
		return nil, err
	}
	mldsaSig, err := s.mldsa.Sign(m)
	if err != nil {
		return nil, fmt.Errorf("failed to sign ML-DSA half: %w", err)
	}
	digest, _ := ECDSADigest(s.pub.suite, m)
	ecSig, err := ecdsa.SignASN1(cryptoRand, s.ec, digest)
	if err != nil {
		return nil, fmt.Errorf("failed to sign ECDSA half: %w", err)
	}
	return Combine(s.pub.suite, mldsaSig, ecSig)
}

var cryptoRand = rand.Reader
