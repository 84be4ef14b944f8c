package hsm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"bastion/shared/hybrid"
)

// TestRecoverSignsForPublishedKey runs a ceremony with three tokens, then
// recovers into fresh SoftHSM instances (their own token directories) from
// three of the five shares, signs with the recovered pool and verifies
// with the originally published key file.
func TestRecoverSignsForPublishedKey(t *testing.T) {
	for _, suite := range hybrid.Suites() {
		t.Run(string(suite), func(t *testing.T) {
			res, _ := newCeremony(t, 3, suite)
			dir := filepath.Join(t.TempDir(), "recovered")
			got, err := Recovery{Dir: dir, From: filepath.Dir(res.Config), Module: softhsmModule, Tokens: 2,
				SoftHSM: true, Instances: true,
				ShareFiles: []string{res.ShareFiles[4], res.ShareFiles[1], res.ShareFiles[2]}}.Run(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.KeyID != res.KeyID || got.KEKCheckValue != res.KEKCheckValue || got.Ceremony != res.Ceremony {
				t.Errorf("recovered record: key %s, KEK %s, ceremony %s; want %s, %s, %s",
					got.KeyID, got.KEKCheckValue, got.Ceremony, res.KeyID, res.KEKCheckValue, res.Ceremony)
			}
			if got.Recovered == "" || len(got.Tokens) != 2 {
				t.Errorf("recovered %q with tokens %v, want a time and 2 tokens", got.Recovered, got.Tokens)
			}
			for _, f := range []string{"keys/high-side.pub", "keys/high-side.seal", "keys/high-side.ecwrap"} {
				a, _ := os.ReadFile(filepath.Join(filepath.Dir(res.Config), f))
				b, _ := os.ReadFile(filepath.Join(dir, f))
				if len(a) == 0 || !bytes.Equal(a, b) {
					t.Errorf("%s differs from the original", f)
				}
			}

			cfg, err := LoadConfig(got.Config)
			if err != nil {
				t.Fatal(err)
			}
			checkSerialsRecorded(t, got, cfg)
			for _, serial := range got.TokenSerials {
				if slices.Contains(res.TokenSerials, serial) {
					t.Errorf("recovered token serial %s is one of the lost tokens' %v, want a new one", serial, res.TokenSerials)
				}
			}
			_, s := openSigner(t, got, cfg)
			msg, ctx := []byte("checkpoint after recovery"), []byte("bastion/checkpoint")
			sig, err := s.Sign(msg, ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := readPublicKey(t, res.PublicKeyFile).Verify(msg, ctx, sig); err != nil {
				t.Errorf("originally published key rejects the recovered signature: %v", err)
			}
		})
	}
}

func TestRecoverRejectsBadInput(t *testing.T) {
	res, _ := newCeremony(t, 1, hybrid.SuiteMLDSA65P256)
	other, _ := newCeremony(t, 1, hybrid.SuiteMLDSA65P256)
	from := filepath.Dir(res.Config)
	tmp := t.TempDir()
	sh := res.ShareFiles

	// Share files that are wrong in one way each.
	write := func(name string, b []byte, perm os.FileMode) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, b, perm); err != nil {
			t.Fatal(err)
		}
		return p
	}
	s1, _ := os.ReadFile(sh[0])
	s2, _ := os.ReadFile(sh[1])
	share1, _ := ParseShare(s1)
	share2, _ := ParseShare(s2)
	share2.Value = share1.Value // a real scalar under the wrong id
	tampered := write("tampered.txt", share2.Marshal(), 0o600)
	zero := write("zero.txt", bytes.Replace(s1, []byte(" 1 "), []byte(" 0 "), 1), 0o600)
	open := write("open.txt", s1, 0o644)

	// Ceremony directories that are wrong in one way each.
	noBackup := copyCeremony(t, from, func(d string) { os.Remove(filepath.Join(d, "keys", "high-side.ecwrap")) })
	badCheck := copyCeremony(t, from, func(d string) {
		p := filepath.Join(d, "ceremony.json")
		b, _ := os.ReadFile(p)
		os.WriteFile(p, bytes.Replace(b, []byte(res.KEKCheckValue), []byte("000000"), 1), 0o644)
	})
	foreignSeal := copyCeremony(t, from, func(d string) {
		b, _ := os.ReadFile(other.SealedSeedFile)
		os.WriteFile(filepath.Join(d, "keys", "high-side.seal"), b, 0o600)
	})

	tests := []struct {
		name   string
		from   string
		shares []string
		want   error
		text   string
	}{
		{"two shares", from, sh[:2], ErrBadShare, "2 shares, need 3"},
		{"duplicate id", from, []string{sh[0], sh[1], sh[0]}, ErrBadShare, "given twice"},
		{"zero id", from, []string{zero, sh[1], sh[2]}, ErrBadShare, "id"},
		{"fails commitment", from, []string{sh[0], tampered, sh[2]}, ErrBadShare, "commitment check"},
		{"foreign share", from, []string{sh[0], sh[1], other.ShareFiles[2]}, ErrBadShare, "another ceremony"},
		{"readable share", from, []string{open, sh[1], sh[2]}, ErrBadShare, "readable by others"},
		{"no EC backup", noBackup, sh[:3], ErrNoECBackup, "high-side.ecwrap"},
		{"check value differs", badCheck, sh[:3], ErrBadCeremonyRecord, "check value"},
		{"foreign sealed seed", foreignSeal, sh[:3], ErrBadCeremonyRecord, "another key"},
		{"no record", tmp, sh[:3], fs.ErrNotExist, "ceremony.json"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(tmp, fmt.Sprintf("new-%d", i))
			_, err := Recovery{Dir: dir, From: tt.from, ShareFiles: tt.shares, Module: softhsmModule,
				LabelPrefix: fmt.Sprintf("rbad%d", i)}.Run(context.Background(), nil)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("got %v, want %v mentioning %q", err, tt.want, tt.text)
			}
			if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s was created (%v); bad input must change nothing", dir, err)
			}
		})
	}
}

// copyCeremony copies the public files of a ceremony directory and lets
// edit change the copy.
func copyCeremony(t *testing.T, from string, edit func(dir string)) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"ceremony.json", "keys/high-side.pub", "keys/high-side.seal",
		"keys/high-side.ecwrap", "shares/commitment.txt"} {
		b, err := os.ReadFile(filepath.Join(from, f))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o700)
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	edit(dir)
	return dir
}

func TestWrappedKeyFile(t *testing.T) {
	res, _ := newCeremony(t, 1, hybrid.SuiteMLDSA65P256)
	b, err := os.ReadFile(res.ECBackupFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(res.ECBackupFile); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	w, err := ParseWrappedKey(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w.Marshal(), b) {
		t.Error("re-encoding differs")
	}
	pub := readPublicKey(t, res.PublicKeyFile)
	if w.KeyID != pub.KeyID() || w.Suite != pub.Suite() {
		t.Error("backup is not bound to the published key")
	}
}

func FuzzParseWrappedKey(f *testing.F) {
	w := &WrappedKey{Suite: hybrid.SuiteMLDSA65P256, KEKLabel: KEKLabel, Wrapped: bytes.Repeat([]byte{7}, 160)}
	f.Add(w.Marshal())
	f.Add(bytes.TrimSuffix(w.Marshal(), []byte("\n")))
	f.Add([]byte("bastion-wrapped-key v1 x y z w"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := ParseWrappedKey(b)
		if err != nil {
			if !errors.Is(err, ErrBadWrappedKey) {
				t.Fatalf("error is not ErrBadWrappedKey: %v", err)
			}
			return
		}
		if !bytes.Equal(bytes.TrimSuffix(w.Marshal(), []byte("\n")), bytes.TrimSuffix(b, []byte("\n"))) {
			t.Fatalf("re-encoding differs:\n in %q\nout %q", b, w.Marshal())
		}
	})
}
