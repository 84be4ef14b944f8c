package hsm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"bastion/shared/hybrid"

	"github.com/miekg/pkcs11"
)

// checkSerialsRecorded checks that ceremony.json and hsm.toml name the
// same tokens by serial and that each serial is a token the library has,
// under the recorded label.
func checkSerialsRecorded(t *testing.T, res *CeremonyResult, cfg Config) {
	t.Helper()
	if len(res.TokenSerials) != len(res.Tokens) || len(cfg.Tokens) != len(res.Tokens) {
		t.Fatalf("%d serials, %d labels, %d configured tokens; want equal counts",
			len(res.TokenSerials), len(res.Tokens), len(cfg.Tokens))
	}
	for i, tc := range cfg.Tokens {
		if tc.Serial != res.TokenSerials[i] || tc.Label != res.Tokens[i] {
			t.Errorf("hsm.toml token %d is %s, ceremony.json says %q serial %q", i+1, tc.Name(), res.Tokens[i], res.TokenSerials[i])
		}
		path, conf := cfg.tokenModule(tc)
		c, err := loadModule(path, conf)
		if err != nil {
			t.Fatal(err)
		}
		slot, err := findSlot(c, tc.Serial, "")
		if err != nil {
			t.Fatalf("token %d: %v", i+1, err)
		}
		ti, _ := c.GetTokenInfo(slot)
		if ti.Label != tc.Label {
			t.Errorf("token with serial %s is labelled %q, want %q", tc.Serial, ti.Label, tc.Label)
		}
	}
}

// objectIDs returns the CKA_ID of every object of class labelled label.
func objectIDs(t *testing.T, c *pkcs11.Ctx, sh pkcs11.SessionHandle, class uint, label string) []string {
	t.Helper()
	objs, err := findAll(c, sh, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, class), pkcs11.NewAttribute(pkcs11.CKA_LABEL, label)})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range objs {
		attrs, err := readAttributes(c, sh, o, pkcs11.CKA_ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%x", attrs[pkcs11.CKA_ID]))
	}
	slices.Sort(out)
	return out
}

// TestCeremonySetsObjectIDs checks that every token holds the KEK and
// both halves of the signing key under the same CKA_IDs, derived from the
// KEK check value and the public key, and that the serials recorded are
// the tokens'.
func TestCeremonySetsObjectIDs(t *testing.T) {
	res, cfg := newCeremony(t, 3, hybrid.SuiteMLDSA65P256)
	checkSerialsRecorded(t, res, cfg)
	keyID, err := ecObjectID(readPublicKey(t, res.PublicKeyFile).ECDSA())
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint]string{
		pkcs11.CKO_SECRET_KEY:  fmt.Sprintf("%x", kekObjectID(res.KEKCheckValue)),
		pkcs11.CKO_PRIVATE_KEY: fmt.Sprintf("%x", keyID),
		pkcs11.CKO_PUBLIC_KEY:  fmt.Sprintf("%x", keyID),
	}
	labels := map[uint]string{pkcs11.CKO_SECRET_KEY: KEKLabel, pkcs11.CKO_PRIVATE_KEY: res.KeyName,
		pkcs11.CKO_PUBLIC_KEY: res.KeyName}
	for i := range cfg.Tokens {
		tamper(t, cfg, i, func(c *pkcs11.Ctx, sh pkcs11.SessionHandle) error {
			for class, id := range want {
				if got := objectIDs(t, c, sh, class, labels[class]); !slices.Equal(got, []string{id}) {
					t.Errorf("token %d, class %d: CKA_IDs %v, want [%s]", i+1, class, got, id)
				}
			}
			return nil
		})
	}
}

// slotShuffle presents the slots of a real library under other numbers
// and in reverse order once moved is set, as a library does whose tokens
// were enumerated in another order (slot numbers are assigned at
// C_Initialize and follow the order the tokens are found).
type slotShuffle struct {
	module
	mu    sync.Mutex
	moved bool
}

const slotOffset = 1 << 20

func (s *slotShuffle) real(slot uint) uint {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.moved {
		return slot - slotOffset
	}
	return slot
}

func (s *slotShuffle) GetSlotList(present bool) ([]uint, error) {
	slots, err := s.module.GetSlotList(present)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil || !s.moved {
		return slots, err
	}
	out := make([]uint, len(slots))
	for i, sl := range slots {
		out[len(slots)-1-i] = sl + slotOffset
	}
	return out, nil
}

func (s *slotShuffle) GetTokenInfo(slot uint) (pkcs11.TokenInfo, error) {
	return s.module.GetTokenInfo(s.real(slot))
}

func (s *slotShuffle) OpenSession(slot, flags uint) (pkcs11.SessionHandle, error) {
	return s.module.OpenSession(s.real(slot), flags)
}

// TestTokensFoundBySerialAfterSlotsMove renumbers and reorders the slots
// of a real SoftHSM library and forces every token to reconnect: each
// configured token must come back in the slot of the token with its
// serial, and signing continues on all of them.
func TestTokensFoundBySerialAfterSlotsMove(t *testing.T) {
	res, cfg := newCeremony(t, 3, hybrid.SuiteMLDSA65P256)
	var shuf *slotShuffle
	cfg.wrap = func(m module) module { shuf = &slotShuffle{module: m}; return shuf }
	p, s := openSigner(t, res, cfg)
	signOK(t, s)
	before := map[string]uint{}
	for _, tk := range p.tokens {
		before[tk.serial] = tk.slot
	}

	shuf.mu.Lock()
	shuf.moved = true
	shuf.mu.Unlock()
	for _, tk := range p.tokens {
		tk.mu.Lock()
		err := tk.connectLocked()
		tk.mu.Unlock()
		if err != nil {
			t.Fatalf("reconnect %s: %v", tk.label, err)
		}
	}
	for i, tk := range p.tokens {
		ti, err := shuf.GetTokenInfo(tk.slot)
		if err != nil {
			t.Fatal(err)
		}
		if ti.SerialNumber != cfg.Tokens[i].Serial || tk.slot == before[tk.serial] {
			t.Errorf("token %d: slot %d (was %d) holds serial %q, want serial %q in a new slot",
				i+1, tk.slot, before[tk.serial], ti.SerialNumber, cfg.Tokens[i].Serial)
		}
	}
	for range 6 {
		signOK(t, s)
	}
	for i, st := range p.Status() {
		if st.State != StateUp || st.Served == 0 || st.Serial != cfg.Tokens[i].Serial {
			t.Errorf("token %d: %v, served %d, serial %s; want UP, some, %s", i+1, st.State, st.Served, st.Serial, cfg.Tokens[i].Serial)
		}
	}
}

// TestKeysRefoundByIDAfterRelogin relabels the real keys on every token
// and adds decoys that carry the real labels (a KEK and a private key
// with other CKA_IDs), then logs every token out behind the pool's back.
// The pool logs in again and finds the keys by CKA_ID: signing and
// unsealing work, no token is quarantined, and a lookup by label would
// have found the decoys.
func TestKeysRefoundByIDAfterRelogin(t *testing.T) {
	res, cfg := newCeremony(t, 2, hybrid.SuiteMLDSA65P256)
	var cm *countModule
	cfg.wrap = func(m module) module { cm = newCountModule(m); return cm }
	p, s := openSigner(t, res, cfg)
	signOK(t, s)
	keyID, _ := ecObjectID(s.Public().ECDSA())

	for i := range cfg.Tokens {
		tamper(t, cfg, i, func(c *pkcs11.Ctx, sh pkcs11.SessionHandle) error {
			if err := relabel(c, sh, "renamed", []objectRef{{pkcs11.CKO_SECRET_KEY, cfg.kekID()},
				{pkcs11.CKO_PRIVATE_KEY, keyID}, {pkcs11.CKO_PUBLIC_KEY, keyID}}); err != nil {
				return err
			}
			if err := addAESKey(KEKLabel, []byte("decoy-kek"))(c, sh); err != nil {
				return err
			}
			return addDecoyPrivateKey(c, sh, res.KeyName, []byte("decoy-key"))
		})
		tamper(t, cfg, i, func(c *pkcs11.Ctx, sh pkcs11.SessionHandle) error {
			for class, label := range map[uint]string{pkcs11.CKO_SECRET_KEY: KEKLabel, pkcs11.CKO_PRIVATE_KEY: res.KeyName} {
				if got := objectIDs(t, c, sh, class, label); len(got) != 1 || !strings.HasPrefix(got[0], fmt.Sprintf("%x", "decoy")) {
					t.Fatalf("token %d: objects labelled %q have ids %v, want only a decoy", i+1, label, got)
				}
			}
			slot, err := findSlot(c, cfg.Tokens[i].Serial, "")
			if err != nil {
				return err
			}
			return c.CloseAllSessions(slot) // logs the token out
		})
	}

	_, _, logins := cm.counts()
	for range 4 {
		signOK(t, s)
	}
	if _, _, after := cm.counts(); after < logins+len(cfg.Tokens) {
		t.Errorf("%d logins after the forced log-out, want at least %d", after-logins, len(cfg.Tokens))
	}
	if _, err := p.Signer(res.KeyName, res.SealedSeedFile, s.Public()); err != nil {
		t.Errorf("unseal after relabelling: %v", err)
	}
	for i, st := range p.Status() {
		if st.State != StateUp || st.Served == 0 {
			t.Errorf("token %d: %v (%s), served %d; want UP and used", i+1, st.State, st.Reason, st.Served)
		}
	}
}

// objectRef names a key object by class and CKA_ID.
type objectRef struct {
	class uint
	id    []byte
}

// relabel sets the CKA_LABEL of every object in refs to label.
func relabel(c *pkcs11.Ctx, sh pkcs11.SessionHandle, label string, refs []objectRef) error {
	for _, r := range refs {
		h, err := findObject(c, sh, r.class, r.id)
		if err != nil {
			return err
		}
		if err := c.SetAttributeValue(sh, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, label)}); err != nil {
			return err
		}
	}
	return nil
}

// addDecoyPrivateKey generates an EC key pair labelled label with CKA_ID
// id and destroys its public half, so that the token's public keys (the
// inventory the pool compares) do not change.
func addDecoyPrivateKey(c *pkcs11.Ctx, sh pkcs11.SessionHandle, label string, id []byte) error {
	params, _ := ecParams(hybrid.SuiteMLDSA65P256.Curve())
	mech := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)}
	pub, _, err := c.GenerateKeyPair(sh, mech, ecPublicTemplate(label, id, params, nil), ecPrivateTemplate(label, id))
	if err != nil {
		return err
	}
	return c.DestroyObject(sh, pub)
}

// TestWrongSerialRefused configures a serial that no token has while the
// token with the configured label is present: the token is refused, the
// error and the log name the serial expected and the one found, and the
// other tokens sign.
func TestWrongSerialRefused(t *testing.T) {
	res, cfg := newCeremony(t, 2, hybrid.SuiteMLDSA65P256)
	found := cfg.Tokens[0].Serial
	cfg.Tokens[0].Serial = "0000000000000000"
	var logs bytes.Buffer
	p, err := Open(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if got := p.Status()[0].State; got != StateDown {
		t.Errorf("token with the wrong serial: %v, want DOWN", got)
	}
	for _, want := range []string{`serial \"` + found + `\"`, `want serial \"0000000000000000\"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log does not mention %s:\n%s", want, logs.String())
		}
	}
	_, err = findSlot(p.tokens[0].mod, "0000000000000000", res.Tokens[0])
	if !errors.Is(err, ErrWrongToken) || Classify(err) != ClassDevice {
		t.Errorf("findSlot: got %v (class %v), want ErrWrongToken (device)", err, Classify(err))
	}
	s, err := p.Signer(res.KeyName, res.SealedSeedFile, readPublicKey(t, res.PublicKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		signOK(t, s)
	}
	if got := p.Status()[0]; got.Served != 0 {
		t.Errorf("refused token served %d requests, want 0", got.Served)
	}
}

// TestSwappedTokensRefused gives two tokens SoftHSM instances of their
// own, then swaps their token directories while the pool runs, as if the
// tokens had been plugged into each other's places: each instance now
// holds the other token, and the pool refuses both, naming the serial it
// expected and the one it found. Swapped back, both return.
func TestSwappedTokensRefused(t *testing.T) {
	requireSoftHSM(t)
	dir := filepath.Join(t.TempDir(), "ceremony")
	res, err := Ceremony{Dir: dir, Module: softhsmModule, Tokens: 2, SoftHSM: true, Instances: true,
		LabelPrefix: "swap"}.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(res.Config)
	if err != nil {
		t.Fatal(err)
	}
	cfg.BackoffMin, cfg.BackoffMax = 1, 1
	p, s := openSigner(t, res, cfg)
	signOK(t, s)

	swapTokenDirs(t, cfg, dir, res.Tokens)
	_, err = s.Sign([]byte("m"), nil)
	if !errors.Is(err, ErrNoToken) {
		t.Fatalf("signing with swapped tokens: got %v, want ErrNoToken", err)
	}
	p.Check(context.Background())
	for i, tk := range p.tokens {
		other := cfg.Tokens[1-i].Serial
		_, err := findSlot(tk.mod, tk.serial, tk.label)
		if !errors.Is(err, ErrWrongToken) || !strings.Contains(err.Error(), `serial "`+other+`"`) ||
			!strings.Contains(err.Error(), `want serial "`+tk.serial+`"`) {
			t.Errorf("token %d: got %v, want ErrWrongToken naming %s found and %s wanted", i+1, err, other, tk.serial)
		}
		if st := p.Status()[i]; st.State != StateDown || st.LastError != ClassDevice {
			t.Errorf("token %d: %v/%v, want DOWN/device", i+1, st.State, st.LastError)
		}
	}

	swapTokenDirs(t, cfg, dir, res.Tokens)
	for range cfg.ProbationSuccesses + 1 {
		p.Check(context.Background())
	}
	if got := states(p); got[0] != StateUp || got[1] != StateUp {
		t.Errorf("after swapping back: %v, want both UP", got)
	}
	signOK(t, s)
}

// swapTokenDirs finalises both tokens' SoftHSM instances, exchanges their
// token directories and initialises them again.
func swapTokenDirs(t *testing.T, cfg Config, dir string, labels []string) {
	t.Helper()
	var ctxs []*pkcs11.Ctx
	for _, tc := range cfg.Tokens {
		path, _ := cfg.tokenModule(tc)
		c := pkcs11.New(path)
		if err := c.Finalize(); err != nil {
			t.Fatal(err)
		}
		ctxs = append(ctxs, c)
	}
	a := filepath.Join(dir, "softhsm", labels[0], "tokens")
	b := filepath.Join(dir, "softhsm", labels[1], "tokens")
	for _, mv := range [][2]string{{a, a + ".tmp"}, {b, a}, {a + ".tmp", b}} {
		if err := os.Rename(mv[0], mv[1]); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range ctxs {
		_, conf := cfg.tokenModule(cfg.Tokens[i])
		if err := initializeWithConf(c, conf); err != nil {
			t.Fatal(err)
		}
	}
}
