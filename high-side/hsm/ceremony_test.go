package hsm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"bastion/shared/hybrid"
)

func TestCeremonySignVerify(t *testing.T) {
	for _, suite := range hybrid.Suites() {
		t.Run(string(suite), func(t *testing.T) {
			res, cfg := newCeremony(t, 3, suite)
			_, s := openSigner(t, res, cfg)
			msg, ctx := []byte("checkpoint 42"), []byte("bastion/checkpoint")
			sig, err := s.Sign(msg, ctx)
			if err != nil {
				t.Fatal(err)
			}
			// The low side verifies with nothing but the published file.
			pub := readPublicKey(t, res.PublicKeyFile)
			if err := pub.Verify(msg, ctx, sig); err != nil {
				t.Errorf("published key rejects the signature: %v", err)
			}
			if err := pub.Verify([]byte("checkpoint 43"), ctx, sig); !errors.Is(err, hybrid.ErrBadSignature) {
				t.Errorf("other message: got %v, want ErrBadSignature", err)
			}
			if got := pub.Suite(); got != suite {
				t.Errorf("suite = %s, want %s", got, suite)
			}
		})
	}
}

func TestCeremonyFileModes(t *testing.T) {
	res, _ := newCeremony(t, 2, hybrid.SuiteMLDSA65P256)
	want := map[string]os.FileMode{res.SealedSeedFile: 0o600, res.PublicKeyFile: 0o644, res.CommitmentFile: 0o644}
	for _, f := range res.ShareFiles {
		want[f] = 0o600
	}
	for _, l := range res.Tokens {
		want[filepath.Join(filepath.Dir(res.Config), "pins", l+".pin")] = 0o600
	}
	if len(res.ShareFiles) != 5 {
		t.Errorf("%d share files, want 5", len(res.ShareFiles))
	}
	for path, mode := range want {
		fi, err := os.Stat(path)
		if err != nil {
			t.Error(err)
			continue
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("%s: mode %v, want %v", filepath.Base(path), got, mode)
		}
	}
}

func TestCeremonyRefusesUsedDir(t *testing.T) {
	requireSoftHSM(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keep"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Ceremony{Dir: dir, Module: softhsmModule, LabelPrefix: "refuse"}.Run(context.Background(), nil)
	if !errors.Is(err, ErrCeremonyExists) {
		t.Fatalf("got %v, want ErrCeremonyExists", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "keep")); string(b) != "x" {
		t.Error("existing file was changed")
	}
}

func TestCeremonyRejectsBadOptions(t *testing.T) {
	tests := []Ceremony{
		{Dir: "", Module: softhsmModule},
		{Dir: "d", Module: softhsmModule, Suite: "RSA"},
		{Dir: "d", Module: softhsmModule, Threshold: 6, Shares: 5},
		{Dir: "d", Module: softhsmModule, KeyName: "../x"},
		{Dir: "d", Module: softhsmModule, Tokens: 65},
	}
	for i, c := range tests {
		if _, err := c.Run(context.Background(), nil); err == nil {
			t.Errorf("case %d: got nil error", i)
		}
	}
}
