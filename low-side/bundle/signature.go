package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"bastion/shared/hybrid"
)

// sigMagic opens the signature line.
const sigMagic = "bastion-bundle-sig-v1"

// maxSignatureFile bounds the signature file, in bytes.
const maxSignatureFile = 16 << 10

// Signature is the content of manifest.sig.
type Signature struct {
	KeyName        string
	KeyID          string // hex
	ManifestSHA256 string // hex, of the manifest bytes signed
	Sig            []byte // composite signature
}

// SignManifest signs manifest bytes with key and returns the signature
// file's content.
func SignManifest(manifest []byte, key *Key) ([]byte, error) {
	sig, err := key.Sign(manifest, []byte(SignatureContext))
	if err != nil {
		return nil, fmt.Errorf("failed to sign manifest: %w", err)
	}
	id := key.Public().KeyID()
	sum := sha256.Sum256(manifest)
	return (&Signature{KeyName: key.Name(), KeyID: hex.EncodeToString(id[:]),
		ManifestSHA256: hex.EncodeToString(sum[:]), Sig: sig}).Marshal(), nil
}

// Marshal returns the one-line form: magic, key name, key id, manifest
// SHA-256 and base64 signature, separated by spaces, ended by a newline.
func (s *Signature) Marshal() []byte {
	return []byte(strings.Join([]string{sigMagic, s.KeyName, s.KeyID, s.ManifestSHA256,
		base64.StdEncoding.EncodeToString(s.Sig)}, " ") + "\n")
}

// ParseSignature parses a signature file.
func ParseSignature(b []byte) (*Signature, error) {
	if len(b) > maxSignatureFile {
		return nil, fmt.Errorf("malformed signature: %d bytes, at most %d", len(b), maxSignatureFile)
	}
	line, ok := bytes.CutSuffix(b, []byte("\n"))
	if !ok || bytes.ContainsAny(line, "\r\n\t") {
		return nil, errors.New("malformed signature: want one line ending in a newline")
	}
	f := strings.Split(string(line), " ")
	if len(f) != 5 || f[0] != sigMagic {
		return nil, fmt.Errorf("malformed signature: want %q and four fields", sigMagic)
	}
	if !hybrid.ValidKeyName(f[1]) || !isHex32(f[2]) || !isHex32(f[3]) {
		return nil, errors.New("malformed signature: bad key name, key id or manifest hash")
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(f[4])
	if err != nil || len(sig) == 0 {
		return nil, errors.New("malformed signature: signature is not base64")
	}
	return &Signature{KeyName: f[1], KeyID: f[2], ManifestSHA256: f[3], Sig: sig}, nil
}

// isHex32 reports whether s is 64 lower-case hex digits.
func isHex32(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 32 && hex.EncodeToString(b) == s
}
