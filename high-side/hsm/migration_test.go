package hsm

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"bastion/shared/hybrid"
)

// TestMigrationSignsTransition migrates an ML-DSA-65 ceremony to a new
// ML-DSA-87 one and checks the statement: both keys signed it, it names
// the published old and new keys, and the new pool signs for the new key.
func TestMigrationSignsTransition(t *testing.T) {
	res, _ := newCeremony(t, 2, hybrid.SuiteMLDSA65P256)
	newDir := filepath.Join(t.TempDir(), "new")
	got, err := Migration{
		From:      filepath.Dir(res.Config),
		New:       Ceremony{Dir: newDir, Module: softhsmModule, Tokens: 2, Suite: hybrid.SuiteMLDSA87P384, LabelPrefix: "mig"},
		Effective: 42,
		Reason:    "migration drill",
	}.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(got.TransitionFile)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := hybrid.OpenTransition(b)
	if err != nil {
		t.Fatalf("transition does not verify: %v", err)
	}
	oldPub, newPub := readPublicKey(t, res.PublicKeyFile), readPublicKey(t, got.PublicKeyFile)
	if !tr.From.Key.Equal(oldPub) || !tr.To.Key.Equal(newPub) {
		t.Error("transition does not name the published old and new keys")
	}
	if tr.Effective != 42 || tr.Reason != "migration drill" || newPub.Suite() != hybrid.SuiteMLDSA87P384 {
		t.Errorf("effective %d, reason %q, suite %s; want 42, %q, %s",
			tr.Effective, tr.Reason, "migration drill", newPub.Suite(), hybrid.SuiteMLDSA87P384)
	}
	if got.FromKeyID != res.KeyID || got.Effective != 42 {
		t.Errorf("result: from %s effective %d, want %s and 42", got.FromKeyID, got.Effective, res.KeyID)
	}
	cfg, err := LoadConfig(got.Config)
	if err != nil {
		t.Fatal(err)
	}
	_, s := openSigner(t, got.CeremonyResult, cfg)
	sig, err := s.Sign([]byte("after"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := newPub.Verify([]byte("after"), nil, sig); err != nil {
		t.Errorf("new key: %v", err)
	}
}

func TestMigrationRejectsBadInput(t *testing.T) {
	res, _ := newCeremony(t, 1, hybrid.SuiteMLDSA65P256)
	tmp := t.TempDir()
	tests := []struct {
		name   string
		from   string
		reason string
		want   error
	}{
		{"empty reason", filepath.Dir(res.Config), "", hybrid.ErrBadTransition},
		{"newline in reason", filepath.Dir(res.Config), "a\nb", hybrid.ErrBadTransition},
		{"not a ceremony", tmp, "drill", fs.ErrNotExist},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(tmp, fmt.Sprintf("new-%d", i))
			_, err := Migration{From: tt.from, Reason: tt.reason, Effective: 1,
				New: Ceremony{Dir: dir, Module: softhsmModule, LabelPrefix: fmt.Sprintf("mbad%d", i)}}.Run(context.Background(), nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s was created; bad input must change nothing", dir)
			}
		})
	}
}
