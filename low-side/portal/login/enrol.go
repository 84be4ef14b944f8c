package login

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Issuer is the TOTP issuer shown in authenticator apps.
const Issuer = "Bastion portal"

// DefaultEnrolmentValidity is how long a registration token lasts.
const DefaultEnrolmentValidity = 72 * time.Hour

// Invitation is what a new user is handed: the TOTP key as an otpauth
// URI (it carries the secret) and a one-time registration link for a
// security key. Both are secrets; neither is ever logged.
type Invitation struct {
	Name    string
	Role    Role
	TOTPURI string
	Token   string
	Link    string    // origin + "/enrol#name=...&token=..."
	Expires time.Time // when the token stops working
}

// AddUser adds a user to the users file at path (created, mode 0600, if
// missing) with a fresh TOTP secret, WebAuthn user handle and one-time
// registration token valid for validity. origin is the portal's origin
// (ParseOrigin), used to build the link. It fails, without touching the
// file, if the name is invalid (CheckName) or taken, the role unknown or
// the origin not an origin; errors do not repeat an invalid name or
// origin.
func AddUser(path, name string, role Role, origin string, validity time.Duration, now time.Time) (*Invitation, error) {
	if _, err := ParseRole(string(role)); err != nil {
		return nil, err
	}
	if err := CheckName(name); err != nil {
		return nil, fmt.Errorf("bad name: %w", err)
	}
	origin, err := ParseOrigin(origin)
	if err != nil {
		return nil, fmt.Errorf("bad origin: %w", err)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: Issuer, AccountName: name, SecretSize: 20,
		Algorithm: otp.AlgorithmSHA1, Digits: otp.DigitsSix, Period: 30})
	if err != nil {
		return nil, fmt.Errorf("failed to make TOTP key: %w", err)
	}
	inv := &Invitation{Name: name, Role: role, TOTPURI: key.URL(), Token: randomToken(),
		Expires: now.Add(validity).UTC().Truncate(time.Second)}
	inv.Link = origin + "/enrol#" +
		url.Values{"name": {name}, "token": {inv.Token}}.Encode()

	err = EditUsers(path, func(f *UsersFile) error {
		if f.Find(name) != nil {
			return fmt.Errorf("user %q already exists", name)
		}
		f.Users = append(f.Users, User{
			Name: name, Role: role, Handle: b64.EncodeToString(randomBytes(32)),
			TOTPSecret: key.Secret(),
			Enrolment:  &Enrolment{TokenSHA256: tokenHash(inv.Token), Expires: inv.Expires},
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}

// Errors of the enrolment token check.
var (
	// ErrNoEnrolment is returned when the user has no pending registration.
	ErrNoEnrolment = errors.New("no security key registration pending")
	// ErrEnrolmentExpired is returned when the registration token expired.
	ErrEnrolmentExpired = errors.New("registration token expired")
	// ErrBadToken is returned when the registration token does not match.
	ErrBadToken = errors.New("wrong registration token")
)

// checkEnrolment compares token with the user's pending registration in
// constant time.
func (u *User) checkEnrolment(token string, now time.Time) error {
	e := u.Enrolment
	switch {
	case e == nil:
		return ErrNoEnrolment
	case subtle.ConstantTimeCompare([]byte(tokenHash(token)), []byte(e.TokenSHA256)) != 1:
		return ErrBadToken
	case !now.Before(e.Expires):
		return ErrEnrolmentExpired
	}
	return nil
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// randomToken returns 32 random bytes, base64url.
func randomToken() string { return b64.EncodeToString(randomBytes(32)) }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return b
}
