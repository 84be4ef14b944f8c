package hsm

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"bastion/shared/hybrid"

	"github.com/miekg/pkcs11"
)

// signConcurrently signs n messages from each of g goroutines and fails
// the test on any error or any signature that does not verify.
func signConcurrently(t *testing.T, s *Signer, g, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, g*n)
	for i := range g {
		wg.Go(func() {
			for j := range n {
				msg := fmt.Appendf(nil, "checkpoint %d/%d", i, j)
				sig, err := s.Sign(msg, nil)
				if err == nil {
					err = s.Public().Verify(msg, nil, sig)
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if failed++; failed <= 3 {
			t.Error(err)
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d signatures failed, want 0", failed, g*n)
	}
}

// TestSessionChurnWhileSigning replays REPLAY H5: other code opens and
// closes sessions on the token's slot as fast as it can while the pool
// signs from many goroutines, opens and closes its own worker sessions
// (no idle reuse) and runs its health check. No signature may fail, the
// pool must never lose its login, and no session may be left open.
func TestSessionChurnWhileSigning(t *testing.T) {
	res, cfg := newCeremony(t, 1, hybrid.SuiteMLDSA65P256)
	var cm *countModule
	cfg.wrap = func(m module) module { cm = newCountModule(m); return cm }
	cfg.MaxSessions, cfg.MaxIdleSessions, cfg.IdleTimeout = 4, 1, time.Nanosecond
	p, s := openSigner(t, res, cfg)
	raw, err := loadModule(softhsmModule, "")
	if err != nil {
		t.Fatal(err)
	}
	slot, err := findSlot(raw, res.TokenSerials[0], "")
	if err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	churnErrs := make(chan error, 4)
	for range 4 {
		wg.Go(func() { churnErrs <- churn(raw, slot, 300) })
	}
	wg.Go(func() {
		for range 30 {
			p.Check(context.Background())
		}
	})
	signConcurrently(t, s, 8, 25)
	wg.Wait()
	close(churnErrs)
	for err := range churnErrs {
		if err != nil {
			t.Errorf("churn: %v", err)
		}
	}

	if got := p.Status()[0]; got.State != StateUp {
		t.Errorf("token %v (last error %v) after the churn, want UP", got.State, got.LastError)
	}
	if _, _, logins := cm.counts(); logins != 1 {
		t.Errorf("%d logins, want 1: the keeper should hold the login throughout", logins)
	}
	signOK(t, s)
	p.Close()
	if open, _, _ := cm.counts(); open != 0 {
		t.Errorf("%d pool sessions left open after Close, want 0", open)
	}
}

// churn opens and closes n sessions on slot.
func churn(m module, slot uint, n int) error {
	for range n {
		sh, err := m.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)
		if err != nil {
			return err
		}
		if err := m.CloseSession(sh); err != nil {
			return err
		}
	}
	return nil
}
