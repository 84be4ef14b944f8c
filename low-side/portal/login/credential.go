package login

import (
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// webUser presents a User to the WebAuthn library.
type webUser struct {
	u     User
	creds []webauthn.Credential
}

func newWebUser(u User) *webUser {
	w := &webUser{u: u}
	for _, c := range u.Credentials {
		w.creds = append(w.creds, c.library())
	}
	return w
}

func (w *webUser) WebAuthnID() []byte {
	h, _ := b64.DecodeString(w.u.Handle) // checked when the file was read
	return h
}

func (w *webUser) WebAuthnName() string                       { return w.u.Name }
func (w *webUser) WebAuthnDisplayName() string                { return w.u.Name }
func (w *webUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

// library converts a stored credential record to the library's form.
func (c Credential) library() webauthn.Credential {
	id, _ := b64.DecodeString(c.ID) // checked when the file was read
	pk, _ := b64.DecodeString(c.PublicKey)
	aaguid, _ := b64.DecodeString(c.AAGUID)
	var tr []protocol.AuthenticatorTransport
	for _, t := range c.Transports {
		tr = append(tr, protocol.AuthenticatorTransport(t))
	}
	return webauthn.Credential{
		ID: id, PublicKey: pk, AttestationType: c.AttestationType,
		AttestationFormat: c.AttestationFormat, Transport: tr,
		Flags: webauthn.CredentialFlags{UserPresent: c.UserPresent, UserVerified: c.UserVerified,
			BackupEligible: c.BackupEligible, BackupState: c.BackupState},
		Authenticator: webauthn.Authenticator{AAGUID: aaguid, SignCount: c.SignCount,
			CloneWarning: c.CloneWarning, Attachment: protocol.AuthenticatorAttachment(c.Attachment)},
	}
}

// storedCredential converts a credential the library accepted into the
// record kept in the users file.
func storedCredential(c *webauthn.Credential, now time.Time) Credential {
	var tr []string
	for _, t := range c.Transport {
		tr = append(tr, string(t))
	}
	return Credential{
		ID: b64.EncodeToString(c.ID), PublicKey: b64.EncodeToString(c.PublicKey),
		AttestationType: c.AttestationType, AttestationFormat: c.AttestationFormat, Transports: tr,
		UserPresent: c.Flags.UserPresent, UserVerified: c.Flags.UserVerified,
		BackupEligible: c.Flags.BackupEligible, BackupState: c.Flags.BackupState,
		AAGUID: b64.EncodeToString(c.Authenticator.AAGUID), SignCount: c.Authenticator.SignCount,
		CloneWarning: c.Authenticator.CloneWarning, Attachment: string(c.Authenticator.Attachment),
		Added: now.UTC().Truncate(time.Second),
	}
}

// updateAfterLogin copies what a login changes (counter, clone warning,
// flags) into the stored record with the same ID.
func (u *User) updateAfterLogin(c *webauthn.Credential) {
	id := b64.EncodeToString(c.ID)
	for i := range u.Credentials {
		s := &u.Credentials[i]
		if s.ID != id {
			continue
		}
		s.SignCount, s.CloneWarning = c.Authenticator.SignCount, c.Authenticator.CloneWarning
		s.UserVerified, s.BackupState = c.Flags.UserVerified, c.Flags.BackupState
	}
}
