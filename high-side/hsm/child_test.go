package hsm

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"bastion/shared/hybrid"
)

// childEnv, when set, makes TestChildProcess act as the child: it holds the
// directory for a fresh SoftHSM ceremony.
const childEnv = "BASTION_HSM_CHILD_DIR"

// TestChildProcessExit replays REPLAY H11: a process that loads SoftHSM,
// runs a ceremony with its own softhsm2.conf, opens the pool, signs and
// returns must exit cleanly, because the library is never finalised or
// unloaded.
func TestChildProcessExit(t *testing.T) {
	requireSoftHSM(t)
	dir := filepath.Join(t.TempDir(), "ceremony")
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child exited with %v, want exit 0; output:\n%s", err, out)
	}
	if !strings.Contains(string(out), "child signed and verified") {
		t.Fatalf("child did not sign; output:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "tokens")); err != nil {
		t.Errorf("child's token directory missing: %v", err)
	}
}

// TestChildProcess is the child half of TestChildProcessExit.
func TestChildProcess(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("runs only as the child of TestChildProcessExit")
	}
	ctx := context.Background()
	res, err := Ceremony{Dir: dir, Module: softhsmModule, Tokens: 2, SoftHSM: true}.Run(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(res.Config)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Open(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	b, err := os.ReadFile(res.PublicKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	_, pub, err := hybrid.ParsePublicKeyText(b)
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Signer(res.KeyName, res.SealedSeedFile, pub)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := s.Sign([]byte("exit test"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Verify([]byte("exit test"), nil, sig); err != nil {
		t.Fatal(err)
	}
	t.Log("child signed and verified")
}
