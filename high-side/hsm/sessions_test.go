package hsm

import (
	"context"
	"errors"
	"testing"
	"time"

	"bastion/shared/hybrid"

	"github.com/miekg/pkcs11"
)

// holdOn starts a request that stays in flight on whichever token the pool
// picks until release is closed, and returns that token's label.
func holdOn(t *testing.T, p *Pool, release <-chan struct{}, errs chan<- error) string {
	t.Helper()
	picked := make(chan string, 1)
	go func() {
		errs <- p.do(context.Background(), func(tk *token, _ pkcs11.SessionHandle) error {
			picked <- tk.label
			<-release
			return nil
		})
	}()
	return <-picked
}

// TestLeastInFlightSpreadsHeldRequests holds requests in flight on a real
// pool: each new one must go to a token with nothing in flight.
func TestLeastInFlightSpreadsHeldRequests(t *testing.T) {
	res, cfg := newCeremony(t, 3, hybrid.SuiteMLDSA65P256)
	p, err := Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	release, errs := make(chan struct{}), make(chan error, 4)
	seen := map[string]bool{}
	for range 3 {
		seen[holdOn(t, p, release, errs)] = true
	}
	if len(seen) != 3 {
		t.Errorf("3 held requests went to %d tokens (%v), want 3", len(seen), seen)
	}
	holdOn(t, p, release, errs) // every token has one; any may take it
	close(release)
	var served uint64
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	for _, s := range p.Status() {
		served += s.Served
		if s.Served == 0 {
			t.Errorf("token %s served nothing", s.Label)
		}
	}
	if served != 4 {
		t.Errorf("served %d requests in all, want 4", served)
	}
	_ = res
}

// TestSessionBound checks Config.MaxSessions with many parallel signers:
// the pool never holds more than MaxSessions worker sessions plus the
// keeper, and closes all of them on Close.
func TestSessionBound(t *testing.T) {
	res, cfg := newCeremony(t, 1, hybrid.SuiteMLDSA65P256)
	var cm *countModule
	cfg.wrap = func(m module) module { cm = newCountModule(m); return cm }
	cfg.MaxSessions = 2
	p, s := openSigner(t, res, cfg)
	signConcurrently(t, s, 16, 10)
	_, peak, _ := cm.counts()
	if want := cfg.MaxSessions + 1; peak > want {
		t.Errorf("peak of %d sessions open, want at most %d (MaxSessions + keeper)", peak, want)
	}
	p.Close()
	if open, _, _ := cm.counts(); open != 0 {
		t.Errorf("%d sessions left open after Close, want 0", open)
	}
}

// TestWaitForSessionHonoursContext fills the only session of a token: the
// next request waits, and returns the context's error when it is
// cancelled, leaving the token UP.
func TestWaitForSessionHonoursContext(t *testing.T) {
	_, cfg := newCeremony(t, 1, hybrid.SuiteMLDSA65P256)
	cfg.MaxSessions = 1
	p, err := Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	release, errs := make(chan struct{}), make(chan error, 1)
	holdOn(t, p, release, errs)

	ctx, cancel := context.WithCancel(context.Background())
	waited := make(chan error, 1)
	go func() { waited <- p.do(ctx, func(*token, pkcs11.SessionHandle) error { return nil }) }()
	for p.Status()[0].InFlight < 2 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-waited; !errors.Is(err, context.Canceled) {
		t.Errorf("waiting request: got %v, want context.Canceled", err)
	}
	close(release)
	if err := <-errs; err != nil {
		t.Error(err)
	}
	if got := p.Status()[0].State; got != StateUp {
		t.Errorf("state %v after a cancelled wait, want UP", got)
	}
}

// TestKeeperHoldsLogin replays REPLAY H3: worker sessions closed for
// idleness leave the token logged in through the keeper session, so the
// next request needs no new login. Closing the keeper behind the pool's
// back logs the token out; Check notices and logs in again.
func TestKeeperHoldsLogin(t *testing.T) {
	res, cfg := newCeremony(t, 1, hybrid.SuiteMLDSA65P256)
	var cm *countModule
	cfg.wrap = func(m module) module { cm = newCountModule(m); return cm }
	cfg.IdleTimeout = time.Nanosecond
	p, s := openSigner(t, res, cfg)
	signOK(t, s)
	p.Check(context.Background()) // closes the idle worker sessions
	if got := p.Status()[0].Idle; got != 0 {
		t.Fatalf("%d idle sessions after the idle timeout, want 0", got)
	}
	if got := loginState(t, cm, res.TokenSerials[0]); got != pkcs11.CKS_RW_USER_FUNCTIONS {
		t.Errorf("session state %d with only the keeper open, want %d (logged in)", got, pkcs11.CKS_RW_USER_FUNCTIONS)
	}
	_, _, before := cm.counts()
	signOK(t, s)
	if _, _, after := cm.counts(); after != before {
		t.Errorf("%d logins after idle sessions closed, want %d (the keeper's)", after, before)
	}

	// Without the keeper the token logs out; Check logs in again.
	tk := p.tokens[0]
	tk.dropIdle()
	tk.mu.Lock()
	cm.CloseSession(tk.keeper)
	tk.mu.Unlock()
	if got := loginState(t, cm, res.TokenSerials[0]); got == pkcs11.CKS_RW_USER_FUNCTIONS {
		t.Fatalf("token still logged in with no session open; the test cannot see the keeper's effect")
	}
	p.Check(context.Background())
	if _, _, after := cm.counts(); after != before+1 {
		t.Errorf("%d logins after the keeper was lost, want %d", after, before+1)
	}
	signOK(t, s)
}

// loginState opens a fresh session on the token and returns its state.
func loginState(t *testing.T, m module, serial string) uint {
	t.Helper()
	slot, err := findSlot(m, serial, "")
	if err != nil {
		t.Fatal(err)
	}
	sh, err := m.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		t.Fatal(err)
	}
	defer m.CloseSession(sh)
	info, err := m.GetSessionInfo(sh)
	if err != nil {
		t.Fatal(err)
	}
	return info.State
}
