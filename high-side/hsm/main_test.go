package hsm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"bastion/shared/hybrid"

	"go.uber.org/goleak"
)

const softhsmModule = "/usr/lib/softhsm/libsofthsm2.so"

// TestMain points SoftHSM at a private token directory before the module is
// loaded: SoftHSM reads SOFTHSM2_CONF once per process, so all tests of this
// binary share it and use distinct token labels.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(m.Run()) // the child sets its own configuration
	}
	dir, err := os.MkdirTemp("", "bastion-hsm-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		tokens := filepath.Join(dir, "tokens")
		conf := filepath.Join(dir, "softhsm2.conf")
		if err := os.Mkdir(tokens, 0o700); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		body := fmt.Sprintf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n", tokens)
		if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		os.Setenv("SOFTHSM2_CONF", conf)
		if code := m.Run(); code != 0 {
			return code
		}
		// Every pool's health loop and every request must have ended.
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutine leak:", err)
			return 1
		}
		return 0
	}()
	os.Exit(code)
}

// requireSoftHSM skips when the SoftHSM library is not installed, except
// under CI=true.
func requireSoftHSM(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(softhsmModule); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("SoftHSM missing: %v", err)
		}
		t.Skipf("SoftHSM missing: %v", err)
	}
}

var labelSeq struct {
	sync.Mutex
	n int
}

// newCeremony runs a ceremony with n tokens under a fresh label prefix in
// the shared SoftHSM token directory.
func newCeremony(t testing.TB, n int, suite hybrid.Suite) (*CeremonyResult, Config) {
	t.Helper()
	requireSoftHSM(t)
	labelSeq.Lock()
	labelSeq.n++
	prefix := fmt.Sprintf("t%d", labelSeq.n)
	labelSeq.Unlock()
	dir := filepath.Join(t.TempDir(), "ceremony")
	res, err := Ceremony{Dir: dir, Module: softhsmModule, Tokens: n, Suite: suite, LabelPrefix: prefix}.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(res.Config)
	if err != nil {
		t.Fatal(err)
	}
	cfg.BackoffMin, cfg.BackoffMax = 1, 1 // probes are due at once; tests call Check
	return res, cfg
}

// openSigner opens a pool for cfg and a signer for the ceremony's key.
func openSigner(t testing.TB, res *CeremonyResult, cfg Config) (*Pool, *Signer) {
	t.Helper()
	p, err := Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	pub := readPublicKey(t, res.PublicKeyFile)
	s, err := p.Signer(res.KeyName, res.SealedSeedFile, pub)
	if err != nil {
		t.Fatal(err)
	}
	return p, s
}

func readPublicKey(t testing.TB, path string) *hybrid.PublicKey {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, pub, err := hybrid.ParsePublicKeyText(b)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

var farFuture = time.Now().Add(24 * time.Hour)
