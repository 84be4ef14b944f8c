package bundle

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"bastion/shared/hybrid"
)

// keyMagic opens the first line of a report key file.
const keyMagic = "bastion-report-key v1"

// DefaultKeyName is the name the guard's report-signing key is published
// under.
const DefaultKeyName = "guard-report"

// FDIDKeySize is the size in bytes of the firm-designated id key a report
// key file carries.
const FDIDKeySize = 32

// ErrKeyFile is returned for a malformed or exposed report key file.
var ErrKeyFile = errors.New("bad report key file")

// Key is the guard's report-signing key: a composite ML-DSA-65 + ECDSA
// P-256 key (hybrid.SuiteMLDSA65P256) and the secret key of the CAT
// firm-designated id derivation. It implements hybrid.Signer and is safe
// for concurrent use.
//
// The key lives in a text file of mode 0600 (see MarshalText). A later
// version keeps the seed sealed by an HSM on the low side instead.
type Key struct {
	name  string
	seed  []byte // ML-DSA seed, FIPS 204 §6.1 ξ
	mldsa *hybrid.MLDSAKey
	ec    *ecdsa.PrivateKey
	pub   *hybrid.PublicKey
	fdid  []byte
}

var _ hybrid.Signer = (*Key)(nil)

// GenerateKey makes a fresh key called name from crypto/rand.
//
// hybrid.NewSoftwareSigner makes the same kind of key but keeps its halves
// private, so they could not be stored; the halves are drawn here the same
// way (a 32-byte ML-DSA seed and a P-256 key) and assembled from hybrid's
// building blocks, the path the HSM-backed signers take.
func GenerateKey(name string) (*Key, error) {
	if !hybrid.ValidKeyName(name) {
		return nil, fmt.Errorf("%w: invalid key name %q", ErrKeyFile, name)
	}
	seed, fdid := make([]byte, hybrid.SeedSize), make([]byte, FDIDKeySize)
	if _, err := io.ReadFull(rand.Reader, seed); err != nil {
		return nil, fmt.Errorf("failed to draw key seed: %w", err)
	}
	if _, err := io.ReadFull(rand.Reader, fdid); err != nil {
		return nil, fmt.Errorf("failed to draw key seed: %w", err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("failed to generate ECDSA key: %w", err)
	}
	return newKey(name, seed, ec, fdid)
}

func newKey(name string, seed []byte, ec *ecdsa.PrivateKey, fdid []byte) (*Key, error) {
	mk, err := hybrid.NewMLDSAKey(hybrid.SuiteMLDSA65P256, seed)
	if err != nil {
		return nil, err
	}
	pub, err := hybrid.NewPublicKey(hybrid.SuiteMLDSA65P256, mk.PublicBytes(), &ec.PublicKey)
	if err != nil {
		return nil, err
	}
	return &Key{name: name, seed: seed, mldsa: mk, ec: ec, pub: pub, fdid: fdid}, nil
}

// Name returns the key's name.
func (k *Key) Name() string { return k.name }

// Public returns the composite public key.
func (k *Key) Public() *hybrid.PublicKey { return k.pub }

// PublicText returns the published one-line key file
// (hybrid.MarshalPublicKeyText).
func (k *Key) PublicText() []byte { return hybrid.MarshalPublicKeyText(k.name, k.pub) }

// FDIDKey returns a copy of the firm-designated id key.
func (k *Key) FDIDKey() []byte { return bytes.Clone(k.fdid) }

// Sign returns a composite signature over msg with context ctx
// (draft-ietf-lamps-pq-composite-sigs-19 §4.2): ML-DSA over the message
// representative, then ECDSA over its digest.
func (k *Key) Sign(msg, ctx []byte) ([]byte, error) {
	m, err := hybrid.MessageRepresentative(k.pub.Suite(), msg, ctx)
	if err != nil {
		return nil, err
	}
	ml, err := k.mldsa.Sign(m)
	if err != nil {
		return nil, fmt.Errorf("failed to sign ML-DSA half: %w", err)
	}
	digest, err := hybrid.ECDSADigest(k.pub.Suite(), m)
	if err != nil {
		return nil, err
	}
	ecSig, err := ecdsa.SignASN1(rand.Reader, k.ec, digest)
	if err != nil {
		return nil, fmt.Errorf("failed to sign ECDSA half: %w", err)
	}
	return hybrid.Combine(k.pub.Suite(), ml, ecSig)
}

// MarshalText returns the key file's content, five lines:
//
//	bastion-report-key v1
//	name <name>
//	suite MLDSA65-ECDSA-P256-SHA512
//	mldsa-seed <64 hex digits>
//	ecdsa-p256 <64 hex digits: the private scalar, SEC 1 §2.3.6>
//	fdid-key <64 hex digits>
//
// The caller should clear the returned bytes after writing them.
func (k *Key) MarshalText() ([]byte, error) {
	ec, err := k.ec.Bytes()
	if err != nil {
		return nil, fmt.Errorf("failed to encode ECDSA key: %w", err)
	}
	defer clear(ec)
	return fmt.Appendf(nil, "%s\nname %s\nsuite %s\nmldsa-seed %x\necdsa-p256 %x\nfdid-key %x\n",
		keyMagic, k.name, hybrid.SuiteMLDSA65P256, k.seed, ec, k.fdid), nil
}

// ParseKey parses a key file's content. It returns ErrKeyFile naming the
// line that is wrong; the error never holds key material.
func ParseKey(text []byte) (*Key, error) {
	lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	want := []string{"name", "suite", "mldsa-seed", "ecdsa-p256", "fdid-key"}
	if len(lines) != len(want)+1 || lines[0] != keyMagic {
		return nil, fmt.Errorf("%w: want %q and %d lines", ErrKeyFile, keyMagic, len(want))
	}
	v := map[string]string{}
	for i, field := range want {
		val, ok := strings.CutPrefix(lines[i+1], field+" ")
		if !ok {
			return nil, fmt.Errorf("%w: line %d must start with %q", ErrKeyFile, i+2, field)
		}
		v[field] = val
	}
	if v["suite"] != string(hybrid.SuiteMLDSA65P256) {
		return nil, fmt.Errorf("%w: suite %q, want %s", ErrKeyFile, v["suite"], hybrid.SuiteMLDSA65P256)
	}
	if !hybrid.ValidKeyName(v["name"]) {
		return nil, fmt.Errorf("%w: invalid key name", ErrKeyFile)
	}
	return decodeKey(v)
}

// decodeKey decodes the hex fields of a parsed key file.
func decodeKey(v map[string]string) (*Key, error) {
	raw := map[string][]byte{}
	for _, f := range []string{"mldsa-seed", "ecdsa-p256", "fdid-key"} {
		b, err := hex.DecodeString(v[f])
		if err != nil || len(b) != 32 || hex.EncodeToString(b) != v[f] {
			return nil, fmt.Errorf("%w: %s is not 64 lower-case hex digits", ErrKeyFile, f)
		}
		raw[f] = b
	}
	defer clear(raw["ecdsa-p256"])
	ec, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), raw["ecdsa-p256"])
	if err != nil {
		return nil, fmt.Errorf("%w: ecdsa-p256 is not a P-256 private key", ErrKeyFile)
	}
	return newKey(v["name"], raw["mldsa-seed"], ec, raw["fdid-key"])
}

// LoadKey reads a key file. It returns ErrKeyFile when the file can be
// read or written by anyone but its owner (mode must be 0600 or 0400).
func LoadKey(path string) (*Key, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read report key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %04o, want 0600", ErrKeyFile, path, fi.Mode().Perm())
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read report key: %w", err)
	}
	defer clear(text)
	return ParseKey(text)
}

// WriteKeyFile writes k to path with mode 0600; it never replaces an
// existing file.
func WriteKeyFile(path string, k *Key) error {
	text, err := k.MarshalText()
	if err != nil {
		return err
	}
	defer clear(text)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("failed to create report key: %w", err)
	}
	if _, err := f.Write(text); err != nil {
		f.Close()
		return fmt.Errorf("failed to write report key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("failed to write report key: %w", err)
	}
	return f.Close()
}
