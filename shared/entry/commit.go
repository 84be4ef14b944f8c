package entry

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// commitPrefix marks a salted commitment in an entry body.
const commitPrefix = "c1:"

// SaltSize is the size of a commitment salt in bytes.
const SaltSize = 16

// Opening is what reveals one committed field: the value and its salt. An
// opening never leaves the high side except in a signed disclosure.
type Opening struct {
	Field string `json:"field"`
	Salt  []byte `json:"salt"`
	Value string `json:"value"`
}

// Commit returns the salted commitment to value for the named field:
// "c1:" and the hex SHA-256 of "bastion-commit-v1", NUL, field, NUL, salt,
// value. The field name is bound in, so a commitment for one field cannot
// be replayed as another.
func Commit(field string, salt []byte, value string) string {
	h := sha256.New()
	h.Write([]byte("bastion-commit-v1\x00"))
	h.Write([]byte(field))
	h.Write([]byte{0})
	h.Write(salt)
	h.Write([]byte(value))
	return commitPrefix + hex.EncodeToString(h.Sum(nil))
}

// NewOpening draws a fresh salt for value and returns the opening with its
// commitment.
func NewOpening(field, value string) (Opening, string) {
	salt := make([]byte, SaltSize)
	if _, err := rand.Read(salt); err != nil {
		panic("entry: crypto/rand failed: " + err.Error())
	}
	return Opening{Field: field, Salt: salt, Value: value}, Commit(field, salt, value)
}

// Matches reports whether o opens commitment c.
func (o Opening) Matches(c string) bool {
	want := Commit(o.Field, o.Salt, o.Value)
	return subtle.ConstantTimeCompare([]byte(want), []byte(c)) == 1
}

// IsCommitment reports whether s has the form of a commitment.
func IsCommitment(s string) bool {
	if !strings.HasPrefix(s, commitPrefix) || len(s) != len(commitPrefix)+64 {
		return false
	}
	_, err := hex.DecodeString(s[len(commitPrefix):])
	return err == nil
}
