package cosign

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"bastion/shared/checkpoint"
)

// writeState replaces the state file durably: a temporary file, fsync,
// rename, fsync of the folder.
func writeState(dir string, s state) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("failed to encode cosigner state: %w", err)
	}
	return writeDurable(filepath.Join(dir, stateFile), b, 0o600)
}

func writeDurable(path string, b []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("failed to write %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("failed to write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("failed to sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("failed to replace %s: %w", path, err)
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// keepEvidence writes the conflicting notes of a fork alarm to
// evidence/fork-<time>.txt inside dir and returns the file's path.
func keepEvidence(dir string, at time.Time, what string, note, prior []byte) (string, error) {
	ev := filepath.Join(dir, "evidence")
	if err := os.MkdirAll(ev, 0o700); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "fork alarm at %s\n%s\n\n-- checkpoint presented --\n%s", at.UTC().Format(time.RFC3339Nano), what, note)
	if prior != nil {
		fmt.Fprintf(&b, "\n-- checkpoint cosigned before --\n%s", prior)
	}
	path := filepath.Join(ev, fmt.Sprintf("fork-%d.txt", at.UnixNano()))
	return path, writeDurable(path, []byte(b.String()), 0o600)
}

// Key files: the private key is the 32-byte Ed25519 seed in hex in a file
// of mode 0600; the public key is the C2SP verifier key in a .vkey file.

// KeyFile and VerifierKeyFile name a node's key files inside a folder.
func KeyFile(dir, name string) string         { return filepath.Join(dir, name+".cosign.key") }
func VerifierKeyFile(dir, name string) string { return filepath.Join(dir, name+".cosign.vkey") }

// GenerateKey writes a new cosigning key for node name into dir and
// returns its public half. It refuses to overwrite a key.
func GenerateKey(dir, name string) (checkpoint.CosignerKey, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return checkpoint.CosignerKey{}, err
	}
	defer clear(seed)
	priv := ed25519.NewKeyFromSeed(seed)
	defer clear(priv)
	k := checkpoint.CosignerKey{Name: name, Public: priv.Public().(ed25519.PublicKey)}
	if !checkpoint.ValidKeyName(name) {
		return k, fmt.Errorf("invalid cosigner name %q", name)
	}
	f, err := os.OpenFile(KeyFile(dir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return k, fmt.Errorf("failed to create cosigner key: %w", err)
	}
	h := []byte(hex.EncodeToString(seed) + "\n")
	defer clear(h)
	_, err = f.Write(h)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return k, fmt.Errorf("failed to write cosigner key: %w", err)
	}
	return k, os.WriteFile(VerifierKeyFile(dir, name), []byte(k.String()+"\n"), 0o644)
}

// ReadKey reads a private key written by GenerateKey. The file must not be
// readable by group or others.
func ReadKey(path string) (ed25519.PrivateKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read cosigner key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("cosigner key %s has mode %v; it must be 0600", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read cosigner key: %w", err)
	}
	defer clear(b)
	seed := make([]byte, ed25519.SeedSize)
	defer clear(seed)
	if n, err := hex.Decode(seed, bytes.TrimSpace(b)); err != nil || n != ed25519.SeedSize {
		return nil, errors.New("malformed cosigner key: want 64 hex digits")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// ReadVerifierKey reads a .vkey file.
func ReadVerifierKey(path string) (checkpoint.CosignerKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return checkpoint.CosignerKey{}, fmt.Errorf("failed to read cosigner verifier key: %w", err)
	}
	k, err := checkpoint.ParseCosignerKey(string(b))
	if err != nil {
		return k, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}
