package login

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// UsersFile is the content of the users file:
//
//	[[user]]
//	name = "rita"
//	role = "regulator"
//	handle = "base64url WebAuthn user handle"
//	totp_secret = "BASE32"
//	[user.enrolment]              # present until a key is registered
//	token_sha256 = "hex"
//	expires = 2026-05-01T12:00:00Z
//	[[user.credential]]           # one per registered security key
//	id = "base64url"
//	public_key = "base64url COSE key"
//	...
type UsersFile struct {
	Users []User `toml:"user"`
}

// User is one person allowed to log in.
type User struct {
	Name        string       `toml:"name"`
	Role        Role         `toml:"role"`
	Handle      string       `toml:"handle"`      // WebAuthn user handle, base64url, 16 to 64 bytes
	TOTPSecret  string       `toml:"totp_secret"` // RFC 4648 base32, at least 16 bytes; a secret
	Enrolment   *Enrolment   `toml:"enrolment,omitempty"`
	Credentials []Credential `toml:"credential,omitempty"`
}

// Enrolment is a pending one-time security key registration.
type Enrolment struct {
	TokenSHA256 string    `toml:"token_sha256"` // hex SHA-256 of the token handed out
	Expires     time.Time `toml:"expires"`
}

// Credential is one registered WebAuthn credential record (WebAuthn
// Level 3 §4, "credential record"); byte fields are base64url.
type Credential struct {
	ID                string    `toml:"id"`
	PublicKey         string    `toml:"public_key"`
	AttestationType   string    `toml:"attestation_type"`
	AttestationFormat string    `toml:"attestation_format"`
	Transports        []string  `toml:"transports"`
	UserPresent       bool      `toml:"user_present"`
	UserVerified      bool      `toml:"user_verified"`
	BackupEligible    bool      `toml:"backup_eligible"`
	BackupState       bool      `toml:"backup_state"`
	AAGUID            string    `toml:"aaguid"`
	SignCount         uint32    `toml:"sign_count"`
	CloneWarning      bool      `toml:"clone_warning"`
	Attachment        string    `toml:"attachment"`
	Added             time.Time `toml:"added"`
}

// namePattern is what a user name may look like.
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// errName describes a valid user name.
var errName = errors.New("want 1 to 64 of a-z 0-9 . _ - starting with a letter or digit")

// CheckName returns an error saying what a user name must look like
// unless name is one. The error does not repeat name.
func CheckName(name string) error {
	if !namePattern.MatchString(name) {
		return errName
	}
	return nil
}

// b64 is the encoding of every byte field in the users file.
var b64 = base64.RawURLEncoding

// ParseUsers decodes and checks a users file. Unknown keys are refused
// with their line and dotted key; name says which file in errors.
func ParseUsers(name string, data []byte) (*UsersFile, error) {
	var f UsersFile
	d := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := d.Decode(&f); err != nil {
		return nil, decodeError(name, err)
	}
	if err := f.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &f, nil
}

// decodeError names the file, line and key of a TOML error.
func decodeError(name string, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		var msgs []string
		for _, e := range strict.Errors {
			row, _ := e.Position()
			msgs = append(msgs, fmt.Sprintf("%s:%d: unknown key %s", name, row, strings.Join(e.Key(), ".")))
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, col := de.Position()
		return fmt.Errorf("%s:%d:%d: %s", name, row, col, strings.TrimPrefix(de.Error(), "toml: "))
	}
	return fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "toml: "))
}

// check validates every user and refuses duplicate names.
func (f *UsersFile) check() error {
	seen := map[string]bool{}
	for i := range f.Users {
		u := &f.Users[i]
		if err := u.check(); err != nil {
			return fmt.Errorf("user %d (%q): %w", i+1, u.Name, err)
		}
		if seen[u.Name] {
			return fmt.Errorf("user %d: name %q appears twice", i+1, u.Name)
		}
		seen[u.Name] = true
	}
	return nil
}

func (u *User) check() error {
	if err := CheckName(u.Name); err != nil {
		return fmt.Errorf("name: %w", err)
	}
	if _, err := ParseRole(string(u.Role)); err != nil {
		return fmt.Errorf("role: %w", err)
	}
	if h, err := b64.DecodeString(u.Handle); err != nil || len(h) < 16 || len(h) > 64 {
		return errors.New("handle: want 16 to 64 bytes, base64url without padding")
	}
	if k, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(
		strings.TrimRight(u.TOTPSecret, "=")); err != nil || len(k) < 16 {
		return errors.New("totp_secret: want at least 16 bytes, base32")
	}
	if e := u.Enrolment; e != nil {
		if len(e.TokenSHA256) != 64 || strings.Trim(e.TokenSHA256, "0123456789abcdef") != "" {
			return errors.New("enrolment.token_sha256: want 64 lowercase hex digits")
		}
	}
	for j, c := range u.Credentials {
		if err := c.check(); err != nil {
			return fmt.Errorf("credential %d: %w", j+1, err)
		}
	}
	return nil
}

func (c *Credential) check() error {
	for _, f := range []struct{ key, v string }{{"id", c.ID}, {"public_key", c.PublicKey}} {
		if b, err := b64.DecodeString(f.v); err != nil || len(b) == 0 || len(b) > 1024 {
			return fmt.Errorf("%s: want 1 to 1024 bytes, base64url without padding", f.key)
		}
	}
	if _, err := b64.DecodeString(c.AAGUID); err != nil {
		return errors.New("aaguid: want base64url without padding")
	}
	return nil
}

// Encode returns the file's TOML text with a header comment.
func (f *UsersFile) Encode() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# Bastion portal users. Holds TOTP secrets: keep it mode 0600.\n")
	if err := toml.NewEncoder(&buf).Encode(f); err != nil {
		return nil, fmt.Errorf("failed to encode users: %w", err)
	}
	return buf.Bytes(), nil
}

// Find returns the user called name, or nil.
func (f *UsersFile) Find(name string) *User {
	for i := range f.Users {
		if f.Users[i].Name == name {
			return &f.Users[i]
		}
	}
	return nil
}
