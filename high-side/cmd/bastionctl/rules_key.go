package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	"bastion/shared/hybrid"
)

// A rule-pack key file holds the private composite key that signs rule
// packs, as five lines:
//
//	bastion-rulepack-key v1
//	name <key name>
//	suite <suite>
//	seed <base64 ML-DSA seed, FIPS 204 §6.1 ξ>
//	ecdsa <base64 PKCS #8 ECDSA key>
//
// It is written with mode 0600 and refused when group or others can read
// it. The published key (hybrid.MarshalPublicKeyText) goes to the nodes.
const packKeyMagic = "bastion-rulepack-key v1"

// packSigner is a rule-pack key: it implements hybrid.Signer
// (draft-ietf-lamps-pq-composite-sigs §4.2) with both halves in memory.
type packSigner struct {
	name  string
	mldsa *hybrid.MLDSAKey
	ec    *ecdsa.PrivateKey
	pub   *hybrid.PublicKey
}

// Public returns the composite public key.
func (s *packSigner) Public() *hybrid.PublicKey { return s.pub }

// Sign returns the composite signature over msg with context ctx.
func (s *packSigner) Sign(msg, ctx []byte) ([]byte, error) {
	suite := s.pub.Suite()
	m, err := hybrid.MessageRepresentative(suite, msg, ctx)
	if err != nil {
		return nil, err
	}
	mSig, err := s.mldsa.Sign(m)
	if err != nil {
		return nil, fmt.Errorf("failed to sign ML-DSA half: %w", err)
	}
	digest, err := hybrid.ECDSADigest(suite, m)
	if err != nil {
		return nil, err
	}
	ecSig, err := ecdsa.SignASN1(rand.Reader, s.ec, digest)
	if err != nil {
		return nil, fmt.Errorf("failed to sign ECDSA half: %w", err)
	}
	return hybrid.Combine(suite, mSig, ecSig)
}

// newPackKey generates a rule-pack key and returns its file form and the
// published key text.
func newPackKey(name string, suite hybrid.Suite) (keyFile, pubText []byte, err error) {
	if !hybrid.ValidKeyName(name) {
		return nil, nil, fmt.Errorf("invalid key name %q", name)
	}
	curve := ecdsaCurve(suite)
	if curve == nil {
		return nil, nil, fmt.Errorf("unknown suite %q", suite)
	}
	seed := make([]byte, hybrid.SeedSize)
	defer clear(seed)
	rand.Read(seed)
	ec, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to generate ECDSA key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		return nil, nil, err
	}
	defer clear(der)
	s, err := buildPackSigner(name, suite, seed, ec)
	if err != nil {
		return nil, nil, err
	}
	b64 := base64.StdEncoding.EncodeToString
	file := fmt.Sprintf("%s\nname %s\nsuite %s\nseed %s\necdsa %s\n", packKeyMagic, name, suite, b64(seed), b64(der))
	return []byte(file), hybrid.MarshalPublicKeyText(name, s.pub), nil
}

func buildPackSigner(name string, suite hybrid.Suite, seed []byte, ec *ecdsa.PrivateKey) (*packSigner, error) {
	mk, err := hybrid.NewMLDSAKey(suite, seed)
	if err != nil {
		return nil, err
	}
	pub, err := hybrid.NewPublicKey(suite, mk.PublicBytes(), &ec.PublicKey)
	if err != nil {
		return nil, err
	}
	return &packSigner{name: name, mldsa: mk, ec: ec, pub: pub}, nil
}

// loadPackKey reads a rule-pack key file, refusing one readable by group
// or others.
func loadPackKey(path string) (*packSigner, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read rule-pack key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("rule-pack key %s has mode %o, want 0600", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read rule-pack key: %w", err)
	}
	defer clear(b)
	s, err := parsePackKey(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func parsePackKey(b []byte) (*packSigner, error) {
	lines := strings.Split(string(bytes.TrimSuffix(b, []byte("\n"))), "\n")
	if len(lines) != 5 || lines[0] != packKeyMagic {
		return nil, errors.New("malformed rule-pack key: want the five lines of a " + packKeyMagic + " file")
	}
	var f [4]string
	for i, k := range []string{"name", "suite", "seed", "ecdsa"} {
		v, ok := strings.CutPrefix(lines[i+1], k+" ")
		if !ok {
			return nil, fmt.Errorf("malformed rule-pack key: line %d: want %q", i+2, k)
		}
		f[i] = v
	}
	seed, err1 := base64.StdEncoding.DecodeString(f[2])
	der, err2 := base64.StdEncoding.DecodeString(f[3])
	defer clear(seed)
	defer clear(der)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("malformed rule-pack key: %v", err)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	ec, ok := k.(*ecdsa.PrivateKey)
	if err != nil || !ok {
		return nil, errors.New("malformed rule-pack key: ecdsa is not a PKCS #8 ECDSA key")
	}
	return buildPackSigner(f[0], hybrid.Suite(f[1]), seed, ec)
}

// ecdsaCurve returns the classical curve of suite, or nil.
func ecdsaCurve(suite hybrid.Suite) elliptic.Curve {
	switch suite {
	case hybrid.SuiteMLDSA65P256:
		return elliptic.P256()
	case hybrid.SuiteMLDSA87P384:
		return elliptic.P384()
	}
	return nil
}
