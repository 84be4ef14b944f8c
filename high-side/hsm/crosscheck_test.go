package hsm

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"bastion/shared/hybrid"

	"github.com/miekg/pkcs11"
)

// tamper runs fn on a logged-in session of token i of a ceremony, through
// the unwrapped library.
func tamper(t *testing.T, cfg Config, i int, fn func(c *pkcs11.Ctx, sh pkcs11.SessionHandle) error) {
	t.Helper()
	c, err := loadModule(softhsmModule, "")
	if err != nil {
		t.Fatal(err)
	}
	pin, err := readPIN(cfg.Tokens[i])
	if err != nil {
		t.Fatal(err)
	}
	sh, err := userSession(c, cfg.Tokens[i].Serial, pin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseSession(sh)
	if err := fn(c, sh); err != nil {
		t.Fatal(err)
	}
}

// addPublicKey creates a P-256 public key object labelled label with a
// fresh random point and CKA_ID id, or the point's own id when id is nil.
func addPublicKey(label string, id []byte) func(*pkcs11.Ctx, pkcs11.SessionHandle) error {
	return func(c *pkcs11.Ctx, sh pkcs11.SessionHandle) error {
		k, err := ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		point, _ := asn1.Marshal(k.PublicKey().Bytes())
		params, _ := ecParams(hybrid.SuiteMLDSA65P256.Curve())
		if id == nil {
			sum := sha256.Sum256(k.PublicKey().Bytes())
			id = sum[:objectIDSize]
		}
		_, err = c.CreateObject(sh, ecPublicTemplate(label, id, params, point))
		return err
	}
}

// destroy removes the object of class with CKA_ID id.
func destroy(class uint, id []byte) func(*pkcs11.Ctx, pkcs11.SessionHandle) error {
	return func(c *pkcs11.Ctx, sh pkcs11.SessionHandle) error {
		h, err := findObject(c, sh, class, id)
		if err != nil {
			return err
		}
		return c.DestroyObject(sh, h)
	}
}

// replaceKEK swaps the KEK whose CKA_ID is kekID for another AES key
// with the same label and no CKA_ID.
func replaceKEK(kekID []byte) func(*pkcs11.Ctx, pkcs11.SessionHandle) error {
	return func(c *pkcs11.Ctx, sh pkcs11.SessionHandle) error {
		if err := destroy(pkcs11.CKO_SECRET_KEY, kekID)(c, sh); err != nil {
			return err
		}
		return addAESKey(KEKLabel, nil)(c, sh)
	}
}

// addAESKey creates a random AES-128 key labelled label, with CKA_ID id
// unless id is nil.
func addAESKey(label string, id []byte) func(*pkcs11.Ctx, pkcs11.SessionHandle) error {
	return func(c *pkcs11.Ctx, sh pkcs11.SessionHandle) error {
		_, err := c.CreateObject(sh, withID([]*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES),
			pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
			pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
			pkcs11.NewAttribute(pkcs11.CKA_ENCRYPT, true),
			pkcs11.NewAttribute(pkcs11.CKA_DECRYPT, true),
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
			pkcs11.NewAttribute(pkcs11.CKA_VALUE, []byte(randomHex(8))),
		}, id))
		return err
	}
}

// TestCrossCheckQuarantines changes one token after the ceremony and
// checks that Open quarantines exactly that token, logs it at Warn, and
// that the pool signs without ever using it.
func TestCrossCheckQuarantines(t *testing.T) {
	// Each change gets the CKA_IDs of the signing key and of the KEK.
	type change func(key, kek []byte) func(*pkcs11.Ctx, pkcs11.SessionHandle) error
	tests := []struct {
		name       string
		tokens     int
		tamperWith int
		change     change
		want       int    // index of the token to be quarantined
		reason     string // part of the quarantine reason; %x is the key's CKA_ID
	}{
		{"extra public key", 3, 2, func(key, kek []byte) func(*pkcs11.Ctx, pkcs11.SessionHandle) error {
			return addPublicKey("rogue", []byte("rogue"))
		}, 2, "unexpected public key id " + hex.EncodeToString([]byte("rogue"))},
		{"signing public key replaced, outvoted", 3, 0, func(key, kek []byte) func(*pkcs11.Ctx, pkcs11.SessionHandle) error {
			return func(c *pkcs11.Ctx, sh pkcs11.SessionHandle) error {
				if err := destroy(pkcs11.CKO_PUBLIC_KEY, key)(c, sh); err != nil {
					return err
				}
				return addPublicKey("high-side", key)(c, sh)
			}
		}, 0, "public key id %x differs"},
		{"public key missing", 3, 1, func(key, kek []byte) func(*pkcs11.Ctx, pkcs11.SessionHandle) error {
			return destroy(pkcs11.CKO_PUBLIC_KEY, key)
		}, 1, "public key id %x missing"},
		{"KEK replaced, three tokens", 3, 1, func(key, kek []byte) func(*pkcs11.Ctx, pkcs11.SessionHandle) error {
			return replaceKEK(kek)
		}, 1, "from the configuration"},
		{"KEK replaced on the first of two", 2, 0, func(key, kek []byte) func(*pkcs11.Ctx, pkcs11.SessionHandle) error {
			return replaceKEK(kek)
		}, 0, "from the configuration"},
		{"public key missing on the second of two, tie", 2, 1, func(key, kek []byte) func(*pkcs11.Ctx, pkcs11.SessionHandle) error {
			return destroy(pkcs11.CKO_PUBLIC_KEY, key)
		}, 1, "public key id %x missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, cfg := newCeremony(t, tt.tokens, hybrid.SuiteMLDSA65P256)
			key, err := ecObjectID(readPublicKey(t, res.PublicKeyFile).ECDSA())
			if err != nil {
				t.Fatal(err)
			}
			tamper(t, cfg, tt.tamperWith, tt.change(key, cfg.kekID()))
			if strings.Contains(tt.reason, "%x") {
				tt.reason = fmt.Sprintf(tt.reason, key)
			}
			var logs bytes.Buffer
			p, err := Open(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			for i, st := range p.Status() {
				want := StateUp
				if i == tt.want {
					want = StateQuarantined
				}
				if st.State != want {
					t.Errorf("token %d: %v, want %v", i+1, st.State, want)
				}
			}
			got := p.Status()[tt.want]
			if !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("reason %q, want it to mention %q", got.Reason, tt.reason)
			}
			if l := logs.String(); !strings.Contains(l, "level=WARN msg=\"hsm token quarantined\" token="+got.Label) {
				t.Errorf("no Warn for %s in the log:\n%s", got.Label, l)
			}

			s, err := p.Signer(res.KeyName, res.SealedSeedFile, readPublicKey(t, res.PublicKeyFile))
			if err != nil {
				t.Fatal(err)
			}
			for range 6 {
				signOK(t, s)
				p.Check(context.Background())
			}
			if got := p.Status()[tt.want]; got.Served != 0 || got.State != StateQuarantined {
				t.Errorf("quarantined token served %d requests and is %v, want 0 and QUARANTINED", got.Served, got.State)
			}
		})
	}
}

// TestCrossCheckOnReturn: a token that was DOWN at start-up and comes back
// with different keys is quarantined when it reconnects, not used.
func TestCrossCheckOnReturn(t *testing.T) {
	res, cfg := newCeremony(t, 3, hybrid.SuiteMLDSA65P256)
	tamper(t, cfg, 2, addPublicKey("late", []byte("late")))
	var fm *faultModule
	cfg.wrap = func(m module) module {
		fm = newFaultModule(m)
		slot, _ := findSlot(m, res.TokenSerials[2], "")
		fm.fail(slot, pkcs11.CKR_DEVICE_REMOVED)
		return fm
	}
	p, s := openSigner(t, res, cfg)
	if got := p.Status()[2].State; got != StateDown {
		t.Fatalf("token 3 at start-up: %v, want DOWN", got)
	}
	slot, _ := findSlot(fm.module, res.TokenSerials[2], "")
	fm.heal(slot)
	p.Check(context.Background())
	want := "unexpected public key id " + hex.EncodeToString([]byte("late"))
	if got := p.Status()[2]; got.State != StateQuarantined || !strings.Contains(got.Reason, want) {
		t.Errorf("token 3 after it returned: %v (%q), want QUARANTINED for %q", got.State, got.Reason, want)
	}
	signOK(t, s)
}

// TestInventoryDiff checks the descriptions of inventory differences.
func TestInventoryDiff(t *testing.T) {
	ref := &inventory{kekCheck: "aabbcc", publicKeys: map[string][]string{"k": {"01"}}}
	tests := []struct {
		name string
		inv  *inventory
		want string
	}{
		{"same", &inventory{kekCheck: "aabbcc", publicKeys: map[string][]string{"k": {"01"}}}, ""},
		{"kek", &inventory{kekCheck: "000000", publicKeys: map[string][]string{"k": {"01"}}}, `KEK check value "000000", want "aabbcc"`},
		{"missing", &inventory{kekCheck: "aabbcc", publicKeys: map[string][]string{}}, "public key id k missing"},
		{"extra", &inventory{kekCheck: "aabbcc", publicKeys: map[string][]string{"k": {"01"}, "x": {"02"}}}, "unexpected public key id x"},
		{"duplicate", &inventory{kekCheck: "aabbcc", publicKeys: map[string][]string{"k": {"01", "01"}}}, "public key id k differs"},
	}
	for _, tt := range tests {
		if got := tt.inv.diff(ref); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
		if (tt.inv.key() == ref.key()) != (tt.want == "") {
			t.Errorf("%s: key equality disagrees with diff", tt.name)
		}
	}
}
