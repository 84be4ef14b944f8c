package hsm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"bastion/shared/hybrid"

	"github.com/miekg/pkcs11"
)

func states(p *Pool) []State {
	var out []State
	for _, s := range p.Status() {
		out = append(out, s.State)
	}
	return out
}

func signOK(t *testing.T, s *Signer) {
	t.Helper()
	sig, err := s.Sign([]byte("m"), nil)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if err := s.Public().Verify([]byte("m"), nil, sig); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

// TestFailoverAndRecovery replays REPLAY H4 with a token that dies: the
// next Sign succeeds from another token, the dead one is DOWN, and after it
// comes back Check moves it through PROBATION to UP.
func TestFailoverAndRecovery(t *testing.T) {
	res, cfg := newCeremony(t, 3, hybrid.SuiteMLDSA65P256)
	var fm *faultModule
	cfg.wrap = func(m module) module { fm = newFaultModule(m); return fm }
	p, s := openSigner(t, res, cfg)
	ctx := context.Background()

	slot, err := findSlot(fm.module, res.TokenSerials[0], "")
	if err != nil {
		t.Fatal(err)
	}
	fm.fail(slot, pkcs11.CKR_DEVICE_REMOVED)
	for range 5 {
		signOK(t, s)
	}
	if got := p.Status()[0]; got.State != StateDown || got.LastError != ClassDevice {
		t.Fatalf("token 1: got %v/%v, want DOWN/device", got.State, got.LastError)
	}
	if got := p.Check(ctx); got != 2 {
		t.Errorf("Check with token 1 still dead: %d UP, want 2", got)
	}

	fm.heal(slot)
	for i := 0; i < cfg.ProbationSuccesses; i++ {
		p.Check(ctx)
	}
	if got := states(p); got[0] != StateUp {
		t.Errorf("after healing: states %v, want token 1 UP", got)
	}
	signOK(t, s)
}

// TestAllTokensDown checks the error when no token can sign.
func TestAllTokensDown(t *testing.T) {
	res, cfg := newCeremony(t, 2, hybrid.SuiteMLDSA65P256)
	var fm *faultModule
	cfg.wrap = func(m module) module { fm = newFaultModule(m); return fm }
	_, s := openSigner(t, res, cfg)
	for _, serial := range res.TokenSerials {
		slot, _ := findSlot(fm.module, serial, "")
		fm.fail(slot, pkcs11.CKR_DEVICE_ERROR)
	}
	if _, err := s.Sign([]byte("m"), nil); !errors.Is(err, ErrNoToken) {
		t.Fatalf("got %v, want ErrNoToken", err)
	}
}

// TestSessionsClosedBehindPool replays REPLAY H3/H4 with real SoftHSM:
// C_CloseAllSessions behind the pool's back invalidates every session and
// logs the token out. The next Sign repairs the token in place.
func TestSessionsClosedBehindPool(t *testing.T) {
	res, cfg := newCeremony(t, 1, hybrid.SuiteMLDSA65P256)
	p, s := openSigner(t, res, cfg)
	signOK(t, s)
	c, _ := loadModule(softhsmModule, "")
	slot, err := findSlot(c, res.TokenSerials[0], "")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CloseAllSessions(slot); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		signOK(t, s)
	}
	if got := states(p); got[0] != StateUp {
		t.Errorf("states %v, want UP after in-place repair", got)
	}
}

// TestUnsealTamperedIsAuthFailure replays REPLAY H7: a sealed seed with a
// flipped bit fails GCM authentication, which is reported as ErrUnsealAuth
// and leaves every token UP.
func TestUnsealTamperedIsAuthFailure(t *testing.T) {
	res, cfg := newCeremony(t, 3, hybrid.SuiteMLDSA65P256)
	p, err := Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	b, _ := os.ReadFile(res.SealedSeedFile)
	sealed, err := ParseSealedSeed(b)
	if err != nil {
		t.Fatal(err)
	}
	sealed.Ciphertext[0] ^= 1
	bad := filepath.Join(t.TempDir(), "bad.seal")
	os.WriteFile(bad, sealed.Marshal(), 0o600)

	_, err = p.Signer(res.KeyName, bad, readPublicKey(t, res.PublicKeyFile))
	if !errors.Is(err, ErrUnsealAuth) || Classify(err) != ClassAuth {
		t.Fatalf("got %v (class %v), want ErrUnsealAuth (authentication)", err, Classify(err))
	}
	for i, st := range states(p) {
		if st != StateUp {
			t.Errorf("token %d is %v, want UP (no failover storm)", i+1, st)
		}
	}
}

// TestUnsealedSeedMustMatchEnrolledKey replays REPLAY H8: a seed that
// unseals correctly but derives another ML-DSA key is refused.
func TestUnsealedSeedMustMatchEnrolledKey(t *testing.T) {
	res, cfg := newCeremony(t, 1, hybrid.SuiteMLDSA65P256)
	p, err := Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	enrolled := readPublicKey(t, res.PublicKeyFile)

	// An impostor key: the token's EC half with a different ML-DSA half,
	// and a seed sealed for it under the real KEK.
	other, _ := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA65P256, nil)
	impostor, err := hybrid.NewPublicKey(enrolled.Suite(), other.Public().MLDSABytes(), enrolled.ECDSA())
	if err != nil {
		t.Fatal(err)
	}
	sealed := &SealedSeed{Suite: impostor.Suite(), KEKLabel: KEKLabel, KeyID: impostor.KeyID()}
	err = p.do(context.Background(), func(tk *token, sh pkcs11.SessionHandle) error {
		kek, err := tk.handle(sh, pkcs11.CKO_SECRET_KEY, cfg.kekID())
		if err != nil {
			return err
		}
		return sealOn(tk.mod, sh, kek, sealed, make([]byte, hybrid.SeedSize))
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "impostor.seal")
	os.WriteFile(path, sealed.Marshal(), 0o600)

	if _, err := p.Signer(res.KeyName, path, impostor); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("impostor: got %v, want ErrKeyMismatch", err)
	}
	if _, err := p.Signer(res.KeyName, path, enrolled); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("seed of another key: got %v, want ErrKeyMismatch", err)
	}
}

// TestPickLeastInFlight checks the distribution rule directly.
func TestPickLeastInFlight(t *testing.T) {
	cfg := Config{}
	mk := func(state State, load int64) *token {
		tk := &token{cfg: &cfg, state: state}
		tk.inFlight.Store(load)
		return tk
	}
	tests := []struct {
		name   string
		tokens []*token
		want   int
	}{
		{"least loaded UP", []*token{mk(StateUp, 3), mk(StateUp, 1), mk(StateUp, 2)}, 1},
		{"UP beats idle PROBATION", []*token{mk(StateProbation, 0), mk(StateUp, 5)}, 1},
		{"PROBATION when nothing UP", []*token{mk(StateDown, 0), mk(StateProbation, 4)}, 1},
	}
	for _, tt := range tests {
		p := &Pool{tokens: tt.tokens}
		tt.tokens[0].nextProbe = farFuture
		if got := p.pick(map[*token]bool{}); got != tt.tokens[tt.want] {
			t.Errorf("%s: picked a different token, want index %d", tt.name, tt.want)
		}
	}
}
