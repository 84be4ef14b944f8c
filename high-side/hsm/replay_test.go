package hsm

import (
	"context"
	"crypto/ed25519"
	"encoding/asn1"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"bastion/shared/hybrid"

	"github.com/miekg/pkcs11"
)

// tokenSession opens a logged-in session on the first token of a ceremony.
func tokenSession(t *testing.T, res *CeremonyResult, cfg Config) (module, pkcs11.SessionHandle) {
	t.Helper()
	c, err := loadModule(softhsmModule, "")
	if err != nil {
		t.Fatal(err)
	}
	pin, err := readPIN(cfg.Tokens[0])
	if err != nil {
		t.Fatal(err)
	}
	sh, err := userSession(c, res.TokenSerials[0], pin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseSession(sh) })
	return c, sh
}

// TestEd25519InSoftHSM replays REPLAY H1 with the EdDSA constants declared
// in module.go: SoftHSM makes an Ed25519 key whose signature crypto/ed25519
// verifies.
func TestEd25519InSoftHSM(t *testing.T) {
	res, cfg := newCeremony(t, 1, hybrid.SuiteMLDSA65P256)
	mod, sh := tokenSession(t, res, cfg)
	oid, _ := asn1.Marshal(asn1.ObjectIdentifier{1, 3, 101, 112}) // id-Ed25519, RFC 8410 §3
	pubH, privH, err := mod.GenerateKeyPair(sh,
		[]*pkcs11.Mechanism{pkcs11.NewMechanism(CKM_EC_EDWARDS_KEY_PAIR_GEN, nil)},
		[]*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, CKK_EC_EDWARDS),
			pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, oid),
			pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
		},
		[]*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, CKK_EC_EDWARDS),
			pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := readAttributes(mod, sh, pubH, pkcs11.CKA_EC_POINT)
	if err != nil {
		t.Fatal(err)
	}
	var point []byte
	if _, err := asn1.Unmarshal(attrs[pkcs11.CKA_EC_POINT], &point); err != nil || len(point) != ed25519.PublicKeySize {
		t.Fatalf("CKA_EC_POINT %x: want a 32-byte OCTET STRING (%v)", attrs[pkcs11.CKA_EC_POINT], err)
	}
	msg := []byte("ed25519 through PKCS#11")
	if err := mod.SignInit(sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(CKM_EDDSA, nil)}, privH); err != nil {
		t.Fatal(err)
	}
	sig, err := mod.Sign(sh, msg)
	if err != nil {
		t.Fatal(err)
	}
	if !ed25519.Verify(point, msg, sig) {
		t.Error("crypto/ed25519 rejects the SoftHSM signature")
	}
}

// TestReadAttributesToleratesSensitive replays REPLAY H2: reading a
// sensitive attribute with others returns the others.
func TestReadAttributesToleratesSensitive(t *testing.T) {
	res, cfg := newCeremony(t, 1, hybrid.SuiteMLDSA65P256)
	mod, sh := tokenSession(t, res, cfg)
	keyID, err := ecObjectID(readPublicKey(t, res.PublicKeyFile).ECDSA())
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range []struct {
		class uint
		label string
		id    []byte
	}{{pkcs11.CKO_PRIVATE_KEY, res.KeyName, keyID}, {pkcs11.CKO_SECRET_KEY, KEKLabel, cfg.kekID()}} {
		h, err := findObject(mod, sh, obj.class, obj.id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readAttributes(mod, sh, h, pkcs11.CKA_LABEL, pkcs11.CKA_VALUE, pkcs11.CKA_SENSITIVE, pkcs11.CKA_EXTRACTABLE)
		if err != nil {
			t.Fatalf("%s: %v", obj.label, err)
		}
		if _, ok := got[pkcs11.CKA_VALUE]; ok {
			t.Errorf("%s: CKA_VALUE was revealed", obj.label)
		}
		if string(got[pkcs11.CKA_LABEL]) != obj.label {
			t.Errorf("%s: label %q", obj.label, got[pkcs11.CKA_LABEL])
		}
		if s, x := got[pkcs11.CKA_SENSITIVE], got[pkcs11.CKA_EXTRACTABLE]; len(s) != 1 || s[0] != 1 || len(x) != 1 || x[0] != 0 {
			t.Errorf("%s: sensitive %v extractable %v, want [1] [0]", obj.label, s, x)
		}
	}
}

// TestConcurrentKeyCreation replays REPLAY H6: many goroutines creating
// keys on one token, serialised by the token's creation lock, all succeed.
func TestConcurrentKeyCreation(t *testing.T) {
	res, cfg := newCeremony(t, 1, hybrid.SuiteMLDSA65P256)
	p, err := Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	tk := p.tokens[0]
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			ws, err := tk.session(context.Background())
			if err != nil {
				errs <- err
				return
			}
			defer tk.release(ws, true)
			tk.createMu.Lock()
			defer tk.createMu.Unlock()
			_, _, _, err = generateECKey(tk.mod, ws.sh, fmt.Sprintf("conc-%d", i), hybrid.SuiteMLDSA65P256.Curve())
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	_ = res
}

// TestRecoverKEK replays REPLAY H9 and checks 3-of-5 recovery against the
// ceremony's KEK check value.
func TestRecoverKEK(t *testing.T) {
	res, _ := newCeremony(t, 1, hybrid.SuiteMLDSA65P256)
	var shares []Share
	for _, f := range res.ShareFiles {
		b, _ := os.ReadFile(f)
		s, err := ParseShare(b)
		if err != nil {
			t.Fatal(err)
		}
		shares = append(shares, s)
	}
	b, _ := os.ReadFile(res.CommitmentFile)
	commit, err := ParseCommitment(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, pick := range [][]int{{0, 1, 2}, {2, 3, 4}, {4, 0, 2}, {0, 1, 2, 3, 4}} {
		var sub []Share
		for _, i := range pick {
			sub = append(sub, shares[i])
		}
		kek, err := RecoverKEK(sub, commit)
		if err != nil {
			t.Fatalf("shares %v: %v", pick, err)
		}
		if got, _ := checkValue(kek); got != res.KEKCheckValue {
			t.Errorf("shares %v: check value %s, want %s", pick, got, res.KEKCheckValue)
		}
	}

	zero := shares[0]
	zero.ID = 0
	tampered := shares[2]
	tampered.Value = append([]byte(nil), tampered.Value...)
	tampered.Value[0] ^= 1
	other := shares[2]
	other.Ceremony = "00000000000000000000000000000000"
	tests := []struct {
		name   string
		shares []Share
	}{
		{"two shares", shares[:2]},
		{"duplicate id", []Share{shares[0], shares[1], shares[1]}},
		{"zero id", []Share{zero, shares[1], shares[2]}},
		{"tampered value", []Share{shares[0], shares[1], tampered}},
		{"other ceremony", []Share{shares[0], shares[1], other}},
	}
	for _, tt := range tests {
		if _, err := RecoverKEK(tt.shares, commit); !errors.Is(err, ErrBadShare) {
			t.Errorf("%s: got %v, want ErrBadShare", tt.name, err)
		}
	}
}
