package hybrid

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// The published-key text form is one line of five fields separated by
// single spaces and ended by one optional newline:
//
//	bastion-hybrid <name> <suite> <key-id> <key>
//
// name is 1 to 64 characters from [A-Za-z0-9._-]; suite is a Suite name;
// key-id is the lower-case hex KeyID, which ParsePublicKeyText recomputes and
// compares, so a truncated or edited line is rejected; key is the standard
// padded base64 of PublicKey.Bytes. Example (key shortened):
//
//	bastion-hybrid high-side MLDSA65-ECDSA-P256-SHA512 3f1c...9a0b 8Jz...Q==
const keyTextMagic = "bastion-hybrid"

// maxKeyText bounds the input ParsePublicKeyText accepts, in bytes.
const maxKeyText = 8192

// MarshalPublicKeyText returns the one-line text form of pk under name,
// ending in a newline. name must satisfy ValidKeyName; an invalid name is
// a programming error and panics.
func MarshalPublicKeyText(name string, pk *PublicKey) []byte {
	if !ValidKeyName(name) {
		panic(fmt.Sprintf("hybrid: invalid key name %q", name))
	}
	id := pk.KeyID()
	line := strings.Join([]string{keyTextMagic, name, string(pk.suite),
		hex.EncodeToString(id[:]), base64.StdEncoding.EncodeToString(pk.raw)}, " ")
	return []byte(line + "\n")
}

// ParsePublicKeyText parses the text form written by MarshalPublicKeyText.
// It returns ErrBadKeyText (naming the field) for a malformed line or a key
// id that does not match the key, and the errors of ParsePublicKey.
func ParsePublicKeyText(b []byte) (name string, pk *PublicKey, err error) {
	if len(b) > maxKeyText {
		return "", nil, fmt.Errorf("%w: %d bytes, limit %d", ErrBadKeyText, len(b), maxKeyText)
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	if bytes.ContainsAny(b, "\r\n\t") {
		return "", nil, fmt.Errorf("%w: want exactly one line without tabs", ErrBadKeyText)
	}
	f := strings.Split(string(b), " ")
	if len(f) != 5 || f[0] != keyTextMagic {
		return "", nil, fmt.Errorf("%w: want %q followed by name, suite, key id and key",
			ErrBadKeyText, keyTextMagic)
	}
	if !ValidKeyName(f[1]) {
		return "", nil, fmt.Errorf("%w: invalid name %q", ErrBadKeyText, f[1])
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(f[4])
	if err != nil {
		return "", nil, fmt.Errorf("%w: key is not base64: %v", ErrBadKeyText, err)
	}
	pk, err = ParsePublicKey(Suite(f[2]), raw)
	if err != nil {
		return "", nil, err
	}
	id := pk.KeyID()
	if f[3] != hex.EncodeToString(id[:]) {
		return "", nil, fmt.Errorf("%w: key id does not match the key", ErrBadKeyText)
	}
	return f[1], pk, nil
}

// ValidKeyName reports whether name can label a published key: 1 to 64
// characters from [A-Za-z0-9._-], not starting with a dot.
func ValidKeyName(name string) bool {
	if len(name) == 0 || len(name) > 64 || name[0] == '.' {
		return false
	}
	for _, c := range []byte(name) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}
