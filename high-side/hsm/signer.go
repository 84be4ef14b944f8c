package hsm

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"os"
	"sync"

	"bastion/shared/hybrid"

	"github.com/miekg/pkcs11"
)

// Signer makes composite signatures whose ECDSA half is made inside a token
// of the pool and whose ML-DSA half is made in memory from the unsealed
// seed. Both halves of every signature are verified against the enrolled
// public key before it is returned. Signer is safe for concurrent use.
type Signer struct {
	pool     *Pool
	keyName  string // for errors only
	keyID    []byte // CKA_ID of the EC key pair on every token (ecObjectID)
	pub      *hybrid.PublicKey
	mldsa    *hybrid.MLDSAKey
	verifier mldsaVerifier

	checked sync.Map // token serial -> true once its EC key matched pub
}

var _ hybrid.Signer = (*Signer)(nil)

// Signer returns a signer for the enrolled key: its EC key pair is found
// on every token by CKA_ID (ecObjectID of the enrolled ECDSA key), never
// by label; keyName names it in errors. It reads the sealed seed at sealedSeedPath, unseals it inside a token,
// expands it and checks that the derived ML-DSA public key equals the
// enrolled one (REPLAY H8); the seed is zeroed before Signer returns. It
// returns ErrBadSealedSeed, ErrUnsealAuth, ErrKeyMismatch or ErrNoToken.
func (p *Pool) Signer(keyName, sealedSeedPath string, enrolled *hybrid.PublicKey) (*Signer, error) {
	ctx := context.Background()
	b, err := os.ReadFile(sealedSeedPath)
	if err != nil {
		return nil, fmt.Errorf("failed to read sealed seed: %w", err)
	}
	sealed, err := ParseSealedSeed(b)
	if err != nil {
		return nil, err
	}
	if sealed.Suite != enrolled.Suite() || sealed.KeyID != enrolled.KeyID() {
		return nil, fmt.Errorf("%w: sealed seed belongs to another key", ErrKeyMismatch)
	}
	seed, err := p.Unseal(ctx, sealed)
	if err != nil {
		return nil, err
	}
	defer clear(seed)

	mk, err := hybrid.NewMLDSAKey(enrolled.Suite(), seed)
	if err != nil {
		return nil, err
	}
	if string(mk.PublicBytes()) != string(enrolled.MLDSABytes()) {
		return nil, fmt.Errorf("%w: ML-DSA key derived from the unsealed seed", ErrKeyMismatch)
	}
	v, err := newMLDSAVerifier(enrolled)
	if err != nil {
		return nil, err
	}
	id, err := ecObjectID(enrolled.ECDSA())
	if err != nil {
		return nil, err
	}
	return &Signer{pool: p, keyName: keyName, keyID: id, pub: enrolled, mldsa: mk, verifier: v}, nil
}

// Unseal decrypts a sealed seed with the KEK of any token, found by the
// CKA_ID derived from Config.KEKCheckValue (s.KEKLabel is not used to
// find it). The caller zeroes the result. It returns ErrUnsealAuth when
// authentication fails.
func (p *Pool) Unseal(ctx context.Context, s *SealedSeed) ([]byte, error) {
	var seed []byte
	kekID := p.cfg.kekID()
	err := p.do(ctx, func(t *token, sh pkcs11.SessionHandle) error {
		kek, err := t.handle(sh, pkcs11.CKO_SECRET_KEY, kekID)
		if err != nil {
			return err
		}
		seed, err = unsealOn(t.mod, sh, kek, s)
		return err
	})
	return seed, err
}

// Public returns the enrolled composite public key.
func (s *Signer) Public() *hybrid.PublicKey { return s.pub }

// Sign returns a composite signature over msg with context ctx
// (draft-ietf-lamps-pq-composite-sigs-19 §4.2). It returns
// hybrid.ErrContextTooLong, ErrNoToken when no token could sign, or an
// error if the assembled signature does not verify.
func (s *Signer) Sign(msg, ctx []byte) ([]byte, error) {
	return s.SignContext(context.Background(), msg, ctx)
}

// SignContext is Sign with a context.Context for logging and for giving
// up while every session of the chosen token is busy.
//
// Each half is verified once, with the checks PublicKey.Verify makes
// (draft §4.3): the ML-DSA half in memory before a token is asked, the
// ECDSA half as soon as the token returns it, so that a token making bad
// signatures is taken out of service and the request moves to another.
func (s *Signer) SignContext(c context.Context, msg, ctx []byte) ([]byte, error) {
	suite := s.pub.Suite()
	m, err := hybrid.MessageRepresentative(suite, msg, ctx)
	if err != nil {
		return nil, err
	}
	digest, _ := hybrid.ECDSADigest(suite, m)
	mldsaSig, err := s.mldsa.Sign(m)
	if err != nil {
		return nil, fmt.Errorf("failed to sign ML-DSA half: %w", err)
	}
	if !s.verifier.verify(m, mldsaSig) {
		return nil, fmt.Errorf("%w: ML-DSA half does not verify", hybrid.ErrBadSignature)
	}

	var der []byte
	err = s.pool.do(c, func(t *token, sh pkcs11.SessionHandle) error {
		der, err = s.signECDSA(c, t, sh, digest)
		return err
	})
	if err != nil {
		return nil, err
	}
	return hybrid.Combine(suite, mldsaSig, der)
}

// signECDSA makes the classical half on one token with raw CKM_ECDSA over
// the pre-hashed representative (PKCS#11 v2.40 §2.3.6) and verifies it.
func (s *Signer) signECDSA(c context.Context, t *token, sh pkcs11.SessionHandle, digest []byte) ([]byte, error) {
	if err := s.checkTokenKey(c, t, sh); err != nil {
		return nil, err
	}
	key, err := t.handle(sh, pkcs11.CKO_PRIVATE_KEY, s.keyID)
	if err != nil {
		return nil, err
	}
	if err := t.mod.SignInit(sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, key); err != nil {
		return nil, err
	}
	raw, err := t.mod.Sign(sh, digest)
	if err != nil {
		return nil, err
	}
	der, err := hybrid.ECDSARawToDER(s.pub.Suite(), raw)
	if err != nil {
		return nil, classedError{ClassDevice, err}
	}
	if !ecdsa.VerifyASN1(s.pub.ECDSA(), digest, der) {
		return nil, classedError{ClassDevice, fmt.Errorf("%w: token %q made a bad ECDSA signature", ErrKeyMismatch, t.label)}
	}
	return der, nil
}

// checkTokenKey confirms once per token that its public key with the
// signer's CKA_ID is the enrolled one. A token holding another key is
// quarantined.
func (s *Signer) checkTokenKey(c context.Context, t *token, sh pkcs11.SessionHandle) error {
	if _, ok := s.checked.Load(t.serial); ok {
		return nil
	}
	pub, err := ecPublicKey(t.mod, sh, s.keyID, s.pub.Suite().Curve())
	if err != nil {
		return err
	}
	if !pub.Equal(s.pub.ECDSA()) {
		reason := fmt.Sprintf("EC public key %q (CKA_ID %x) differs from the enrolled key", s.keyName, s.keyID)
		t.quarantine(c, reason)
		return classedError{ClassDevice, fmt.Errorf("%w: token %q: %s", ErrQuarantined, t.label, reason)}
	}
	s.checked.Store(t.serial, true)
	return nil
}
