package diode

import (
	"crypto/hpke"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// PEM block types of the recipient key files.
const (
	pemPrivate = "BASTION DIODE PRIVATE KEY"
	pemPublic  = "BASTION DIODE PUBLIC KEY"
)

// kem is the session KEM: ML-KEM-768 with X25519 (X-Wing), hybrid so that
// session keys stay secret if either component breaks.
var kem = hpke.MLKEM768X25519()

// GenerateRecipientKey makes a new guard key pair for the session KEM. priv
// is the 32-byte seed (keep it secret), pub the 1216-byte encapsulation key
// the sender needs.
func GenerateRecipientKey() (priv, pub []byte, err error) {
	k, err := kem.GenerateKey()
	if err != nil {
		return nil, nil, fmt.Errorf("failed to generate recipient key: %w", err)
	}
	priv, err = k.Bytes()
	if err != nil {
		return nil, nil, fmt.Errorf("failed to serialise recipient key: %w", err)
	}
	return priv, k.PublicKey().Bytes(), nil
}

// WritePrivateKeyFile writes priv PEM-encoded to a new file at path with
// mode 0600. It refuses to overwrite an existing file.
func WritePrivateKeyFile(path string, priv []byte) error {
	if _, err := kem.NewPrivateKey(priv); err != nil {
		return fmt.Errorf("invalid recipient private key: %w", err)
	}
	return writeNew(path, pem.EncodeToMemory(&pem.Block{Type: pemPrivate, Bytes: priv}), 0o600)
}

// WritePublicKeyFile writes pub PEM-encoded to a new file at path with mode
// 0644. It refuses to overwrite an existing file.
func WritePublicKeyFile(path string, pub []byte) error {
	if _, err := kem.NewPublicKey(pub); err != nil {
		return fmt.Errorf("invalid recipient public key: %w", err)
	}
	return writeNew(path, pem.EncodeToMemory(&pem.Block{Type: pemPublic, Bytes: pub}), 0o644)
}

func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("failed to create key file: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("failed to write key file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("failed to write key file %s: %w", path, err)
	}
	return nil
}

// ReadPrivateKeyFile reads a recipient private key written by
// WritePrivateKeyFile. It fails if the file is readable by group or others
// (mode wider than 0600), is not a single key block, or holds an invalid key.
func ReadPrivateKeyFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read private key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("private key file %s has mode %04o, want 0600", path, fi.Mode().Perm())
	}
	priv, err := readPEM(path, pemPrivate)
	if err != nil {
		return nil, err
	}
	if _, err := kem.NewPrivateKey(priv); err != nil {
		clear(priv)
		return nil, fmt.Errorf("invalid recipient private key in %s: %w", path, err)
	}
	return priv, nil
}

// ReadPublicKeyFile reads a recipient public key written by
// WritePublicKeyFile and checks that it is a valid encapsulation key.
func ReadPublicKeyFile(path string) ([]byte, error) {
	pub, err := readPEM(path, pemPublic)
	if err != nil {
		return nil, err
	}
	if _, err := kem.NewPublicKey(pub); err != nil {
		return nil, fmt.Errorf("invalid recipient public key in %s: %w", path, err)
	}
	return pub, nil
}

func readPEM(path, typ string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read key file: %w", err)
	}
	block, rest := pem.Decode(data)
	switch {
	case block == nil:
		return nil, fmt.Errorf("key file %s: no PEM block", path)
	case block.Type != typ:
		return nil, fmt.Errorf("key file %s: block type %q, want %q", path, block.Type, typ)
	case len(pemTrim(rest)) != 0:
		return nil, errors.New("key file " + path + ": data after the key block")
	}
	return block.Bytes, nil
}

func pemTrim(b []byte) []byte {
	for len(b) > 0 && (b[0] == '\n' || b[0] == '\r' || b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}
