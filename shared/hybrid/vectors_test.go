package hybrid

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/cloudflare/circl/sign"
	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"
)

// compositeVectors is the layout of the draft's src/testvectors.json; all
// byte fields are base64.
type compositeVectors struct {
	M     []byte `json:"m"`
	Ctx   []byte `json:"ctx"`
	Tests []struct {
		ID           string `json:"tcId"`
		PK           []byte `json:"pk"`
		SK           []byte `json:"sk"`
		S            []byte `json:"s"`
		SWithContext []byte `json:"sWithContext"`
	} `json:"tests"`
}

func loadCompositeVectors(t *testing.T) compositeVectors {
	t.Helper()
	b, err := os.ReadFile(dataPath(t, "composite-mldsa/testvectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v compositeVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("failed to parse test vectors: %v", err)
	}
	if len(v.Tests) == 0 {
		t.Fatal("no test vectors in file")
	}
	return v
}

var pureMLDSA = map[string]sign.Scheme{
	"id-ML-DSA-44": mldsa44.Scheme(),
	"id-ML-DSA-65": mldsa65.Scheme(),
	"id-ML-DSA-87": mldsa87.Scheme(),
}

// TestCompositeVectors runs the draft-ietf-lamps-pq-composite-sigs-19 test
// vectors: every supported composite and pure ML-DSA entry must verify both
// signatures and reject tampered ones; the rest are skipped with a reason.
func TestCompositeVectors(t *testing.T) {
	v := loadCompositeVectors(t)
	var ran, skipped int
	for _, tc := range v.Tests {
		name := strings.TrimPrefix(tc.ID, "id-")
		suite := Suite(name)
		switch {
		case suites[suite] != nil:
			ran++
			t.Run(name, func(t *testing.T) { checkCompositeVector(t, suite, v.M, v.Ctx, tc.PK, tc.SK, tc.S, tc.SWithContext) })
		case pureMLDSA[tc.ID] != nil:
			ran++
			t.Run(name, func(t *testing.T) {
				checkPureVector(t, pureMLDSA[tc.ID], v.M, v.Ctx, tc.PK, tc.SK, tc.S, tc.SWithContext)
			})
		default:
			skipped++
			t.Run(name, func(t *testing.T) {
				t.Logf("skipped %s: suite not implemented (Bastion uses %s and %s only)",
					tc.ID, SuiteMLDSA65P256, SuiteMLDSA87P384)
				t.Skip("suite not implemented")
			})
		}
	}
	t.Logf("composite vectors: %d run, %d skipped (unsupported suites), %d in file", ran, skipped, len(v.Tests))
	if ran != 5 {
		t.Errorf("ran %d vectors, want 5 (2 composites + 3 pure ML-DSA)", ran)
	}
}

func checkCompositeVector(t *testing.T, suite Suite, m, ctx, pkRaw, sk, s, sCtx []byte) {
	pk, err := ParsePublicKey(suite, pkRaw)
	if err != nil {
		t.Fatalf("ParsePublicKey: %v", err)
	}
	if err := pk.Verify(m, nil, s); err != nil {
		t.Errorf("s: got %v, want nil", err)
	}
	if err := pk.Verify(m, ctx, sCtx); err != nil {
		t.Errorf("sWithContext: got %v, want nil", err)
	}
	for _, c := range tamperCases(m, ctx, s, sCtx) {
		if err := pk.Verify(c.msg, c.ctx, c.sig); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: got %v, want ErrBadSignature", c.name, err)
		}
	}

	// The private key is the ML-DSA seed followed by an RFC 5915
	// ECPrivateKey; both must derive the published halves.
	mk, err := NewMLDSAKey(suite, sk[:SeedSize])
	if err != nil {
		t.Fatal(err)
	}
	if got, want := mk.PublicBytes(), pk.MLDSABytes(); string(got) != string(want) {
		t.Error("ML-DSA public key derived from the seed differs from pk")
	}
	ec, err := x509.ParseECPrivateKey(sk[SeedSize:])
	if err != nil {
		t.Fatalf("ECPrivateKey: %v", err)
	}
	if !ec.PublicKey.Equal(pk.ECDSA()) {
		t.Error("EC public key derived from sk differs from pk")
	}
}

type tamperCase struct {
	name          string
	msg, ctx, sig []byte
}

func tamperCases(m, ctx, s, sCtx []byte) []tamperCase {
	flip := func(b []byte, i int) []byte { c := clone(b); c[i] ^= 0x01; return c }
	return []tamperCase{
		{"flipped first byte", m, nil, flip(s, 0)},
		{"flipped last byte", m, nil, flip(s, len(s)-1)},
		{"flipped message", flip(m, 3), nil, s},
		{"context added", m, ctx, s},
		{"context dropped", m, nil, sCtx},
		{"context changed", m, flip(ctx, 0), sCtx},
		{"truncated", m, nil, s[:len(s)-1]},
		{"empty", m, nil, nil},
	}
}

func checkPureVector(t *testing.T, sch sign.Scheme, m, ctx, pkRaw, seed, s, sCtx []byte) {
	pk, err := sch.UnmarshalBinaryPublicKey(pkRaw)
	if err != nil {
		t.Fatal(err)
	}
	if !sch.Verify(pk, m, s, nil) {
		t.Error("s: does not verify")
	}
	if !sch.Verify(pk, m, sCtx, &sign.SignatureOpts{Context: string(ctx)}) {
		t.Error("sWithContext: does not verify")
	}
	if sch.Verify(pk, m, sCtx, nil) {
		t.Error("sWithContext verified without its context")
	}
	bad := clone(s)
	bad[10] ^= 1
	if sch.Verify(pk, m, bad, nil) {
		t.Error("tampered s verified")
	}
	derived, _ := sch.DeriveKey(seed)
	if !derived.Equal(pk) {
		t.Error("public key derived from seed differs from pk")
	}
}

func TestVectorFileIsBase64(t *testing.T) {
	// json.Unmarshal decodes []byte fields as standard base64; check the
	// message decodes to the draft's sentence so a format change is noticed.
	v := loadCompositeVectors(t)
	if got, want := string(v.M), "The quick brown fox jumps over the lazy dog."; got != want {
		t.Errorf("m = %q, want %q", got, want)
	}
	if _, err := base64.StdEncoding.DecodeString(base64.StdEncoding.EncodeToString(v.Ctx)); err != nil {
		t.Fatal(err)
	}
}
