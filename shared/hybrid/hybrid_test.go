package hybrid

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"testing"
)

func newSigner(t testing.TB, suite Suite) *SoftwareSigner {
	t.Helper()
	s, err := NewSoftwareSigner(suite, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSignVerifyRoundTrip(t *testing.T) {
	for _, suite := range Suites() {
		t.Run(string(suite), func(t *testing.T) {
			s := newSigner(t, suite)
			msg, ctx := []byte("checkpoint body"), []byte("bastion/checkpoint")
			plain, err := s.Sign(msg, nil)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := s.Sign(msg, ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Public().Verify(msg, nil, plain); err != nil {
				t.Fatalf("Verify without context: got %v, want nil", err)
			}
			if err := s.Public().Verify(msg, ctx, sig); err != nil {
				t.Fatalf("Verify with context: got %v, want nil", err)
			}
			for _, c := range tamperCases(msg, ctx, plain, sig) {
				if err := s.Public().Verify(c.msg, c.ctx, c.sig); !errors.Is(err, ErrBadSignature) {
					t.Errorf("%s: got %v, want ErrBadSignature", c.name, err)
				}
			}
			other := newSigner(t, suite)
			if err := other.Public().Verify(msg, ctx, sig); !errors.Is(err, ErrBadSignature) {
				t.Errorf("other key: got %v, want ErrBadSignature", err)
			}
		})
	}
}

// TestBothHalvesRequired swaps one half of a valid signature for the same
// half of another key's signature over the same message: each mix must fail.
func TestBothHalvesRequired(t *testing.T) {
	suite := SuiteMLDSA65P256
	a, b := newSigner(t, suite), newSigner(t, suite)
	msg := []byte("m")
	sa, _ := a.Sign(msg, nil)
	sb, _ := b.Sign(msg, nil)
	aM, aE, _ := SplitSignature(suite, sa)
	bM, bE, _ := SplitSignature(suite, sb)
	tests := []struct {
		name   string
		m, e   []byte
		failOn string
	}{
		{"foreign ML-DSA half", bM, aE, "ML-DSA"},
		{"foreign ECDSA half", aM, bE, "ECDSA"},
	}
	for _, tt := range tests {
		sig, err := Combine(suite, tt.m, tt.e)
		if err != nil {
			t.Fatal(err)
		}
		err = a.Public().Verify(msg, nil, sig)
		if !errors.Is(err, ErrBadSignature) || !bytes.Contains([]byte(err.Error()), []byte(tt.failOn)) {
			t.Errorf("%s: got %v, want ErrBadSignature naming %s", tt.name, err, tt.failOn)
		}
	}
}

// TestMessageRepresentative checks M' byte by byte against the layout of
// draft-ietf-lamps-pq-composite-sigs-19 §2.2.
func TestMessageRepresentative(t *testing.T) {
	msg := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	ctx := []byte{0x08, 0x13, 0x06, 0x12, 0x05, 0x16, 0x26, 0x23}
	ph := sha512.Sum512(msg)
	want := []byte("CompositeAlgorithmSignatures2025COMPSIG-MLDSA65-ECDSA-P256-SHA512")
	want = append(want, 8)
	want = append(append(want, ctx...), ph[:]...)
	got, err := MessageRepresentative(SuiteMLDSA65P256, msg, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("M' = %x\nwant %x", got, want)
	}

	if _, err := MessageRepresentative(SuiteMLDSA65P256, msg, make([]byte, 256)); !errors.Is(err, ErrContextTooLong) {
		t.Errorf("256-byte ctx: got %v, want ErrContextTooLong", err)
	}
	if _, err := MessageRepresentative(SuiteMLDSA65P256, msg, make([]byte, 255)); err != nil {
		t.Errorf("255-byte ctx: got %v, want nil", err)
	}
	if _, err := MessageRepresentative("MLDSA44-RSA2048-PSS-SHA256", msg, nil); !errors.Is(err, ErrUnknownSuite) {
		t.Errorf("unknown suite: got %v, want ErrUnknownSuite", err)
	}
}

func TestVerifyRejectsLongContext(t *testing.T) {
	s := newSigner(t, SuiteMLDSA65P256)
	sig, _ := s.Sign([]byte("m"), nil)
	if err := s.Public().Verify([]byte("m"), make([]byte, 256), sig); !errors.Is(err, ErrContextTooLong) {
		t.Errorf("got %v, want ErrContextTooLong", err)
	}
	if _, err := s.Sign([]byte("m"), make([]byte, 256)); !errors.Is(err, ErrContextTooLong) {
		t.Errorf("Sign: got %v, want ErrContextTooLong", err)
	}
}

func TestECDSARawToDER(t *testing.T) {
	for _, suite := range Suites() {
		t.Run(string(suite), func(t *testing.T) {
			p := suites[suite]
			key, _ := ecdsa.GenerateKey(p.curve, nil)
			digest, _ := ECDSADigest(suite, []byte("m'"))
			r, s, err := ecdsa.Sign(nil, key, digest)
			if err != nil {
				t.Fatal(err)
			}
			raw := make([]byte, 2*p.scalar)
			r.FillBytes(raw[:p.scalar])
			s.FillBytes(raw[p.scalar:])
			der, err := ECDSARawToDER(suite, raw)
			if err != nil {
				t.Fatal(err)
			}
			if !ecdsa.VerifyASN1(&key.PublicKey, digest, der) {
				t.Error("converted signature does not verify")
			}
			var v ecdsaSigValue
			if _, err := asn1.Unmarshal(der, &v); err != nil || v.R.Cmp(r) != 0 || v.S.Cmp(s) != 0 {
				t.Errorf("DER round trip: got (%v, %v, %v), want (%v, %v)", v.R, v.S, err, r, s)
			}
			for _, bad := range [][]byte{nil, raw[1:], make([]byte, 2*p.scalar)} {
				if _, err := ECDSARawToDER(suite, bad); !errors.Is(err, ErrBadSignature) {
					t.Errorf("len %d: got %v, want ErrBadSignature", len(bad), err)
				}
			}
		})
	}
}

func TestECDSADigest(t *testing.T) {
	m := []byte("representative")
	d256, _ := ECDSADigest(SuiteMLDSA65P256, m)
	if want := sha256.Sum256(m); !bytes.Equal(d256, want[:]) {
		t.Errorf("P-256 digest = %x, want SHA-256 %x", d256, want)
	}
	d384, _ := ECDSADigest(SuiteMLDSA87P384, m)
	if want := sha512.Sum384(m); !bytes.Equal(d384, want[:]) {
		t.Errorf("P-384 digest = %x, want SHA-384 %x", d384, want)
	}
}

func TestParsePublicKeyErrors(t *testing.T) {
	good := newSigner(t, SuiteMLDSA65P256).Public().Bytes()
	offCurve := clone(good)
	offCurve[len(offCurve)-1] ^= 1
	tests := []struct {
		name  string
		suite Suite
		raw   []byte
		want  error
	}{
		{"empty", SuiteMLDSA65P256, nil, ErrBadPublicKey},
		{"short", SuiteMLDSA65P256, good[:len(good)-1], ErrBadPublicKey},
		{"long", SuiteMLDSA65P256, append(clone(good), 0), ErrBadPublicKey},
		{"point off curve", SuiteMLDSA65P256, offCurve, ErrBadPublicKey},
		{"wrong suite", SuiteMLDSA87P384, good, ErrBadPublicKey},
		{"unknown suite", "RSA", good, ErrUnknownSuite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParsePublicKey(tt.suite, tt.raw); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestKeyID(t *testing.T) {
	pk := newSigner(t, SuiteMLDSA65P256).Public()
	want := sha256.Sum256(append([]byte("MLDSA65-ECDSA-P256-SHA512\x00"), pk.Bytes()...))
	if got := pk.KeyID(); got != want {
		t.Errorf("KeyID = %x, want %x", got, want)
	}
}

func TestCombineErrors(t *testing.T) {
	n := SuiteMLDSA65P256.MLDSASignatureSize()
	tests := []struct {
		name string
		m, e []byte
	}{
		{"short ML-DSA half", make([]byte, n-1), []byte{0x30}},
		{"empty ECDSA half", make([]byte, n), nil},
		{"long ECDSA half", make([]byte, n), make([]byte, 73)},
	}
	for _, tt := range tests {
		if _, err := Combine(SuiteMLDSA65P256, tt.m, tt.e); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: got %v, want ErrBadSignature", tt.name, err)
		}
	}
}

func TestNewMLDSAKeyDeterministic(t *testing.T) {
	seed := bytes.Repeat([]byte{7}, SeedSize)
	a, _ := NewMLDSAKey(SuiteMLDSA65P256, seed)
	b, _ := NewMLDSAKey(SuiteMLDSA65P256, seed)
	if !bytes.Equal(a.PublicBytes(), b.PublicBytes()) {
		t.Error("same seed gave different public keys")
	}
	if _, err := NewMLDSAKey(SuiteMLDSA65P256, seed[:31]); !errors.Is(err, ErrBadSeed) {
		t.Errorf("31-byte seed: got %v, want ErrBadSeed", err)
	}
}

func TestNilPublicKeyVerify(t *testing.T) {
	var pk *PublicKey
	if err := pk.Verify(nil, nil, nil); !errors.Is(err, ErrBadSignature) {
		t.Errorf("got %v, want ErrBadSignature", err)
	}
}
