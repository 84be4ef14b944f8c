package hsm

import (
	"bytes"
	"crypto/aes"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/miekg/pkcs11"
)

// initToken initialises the first free slot's token as label with the
// given SO and user PINs (PKCS#11 v2.40 §5.6 C_InitToken, C_InitPIN) and
// returns its serial number, by which it is found from then on.
func initToken(c *pkcs11.Ctx, label, soPIN, userPIN string) (string, error) {
	slot, err := freeSlot(c)
	if err != nil {
		return "", err
	}
	if err := c.InitToken(slot, soPIN, label); err != nil {
		return "", fmt.Errorf("failed to initialise token %q: %w", label, err)
	}
	// SoftHSM moves the token to another slot once it is initialised.
	slot, serial, err := initialisedSlot(c, label)
	if err != nil {
		return "", err
	}
	sh, err := c.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		return "", err
	}
	defer c.CloseSession(sh)
	if err := c.Login(sh, pkcs11.CKU_SO, soPIN); err != nil {
		return "", fmt.Errorf("failed to log in as SO to %q: %w", label, err)
	}
	defer c.Logout(sh)
	if err := c.InitPIN(sh, userPIN); err != nil {
		return "", fmt.Errorf("failed to set user PIN of %q: %w", label, err)
	}
	return serial, nil
}

// initialisedSlot returns the slot and serial number of the one
// initialised token labelled label. It is used only right after
// C_InitToken, when the label is all that names the new token; the
// ceremony makes labels unique, and a second token with the same label
// is an error rather than a guess.
func initialisedSlot(c *pkcs11.Ctx, label string) (uint, string, error) {
	slots, err := c.GetSlotList(true)
	if err != nil {
		return 0, "", fmt.Errorf("failed to list slots: %w", err)
	}
	var slot uint
	var serials []string
	for _, s := range slots {
		ti, err := c.GetTokenInfo(s)
		if err == nil && ti.Label == label && ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0 {
			slot, serials = s, append(serials, ti.SerialNumber)
		}
	}
	switch {
	case len(serials) == 0:
		return 0, "", fmt.Errorf("token %q not found after initialisation", label)
	case len(serials) > 1:
		return 0, "", fmt.Errorf("%d tokens are labelled %q (serials %v); labels must be unique during a ceremony",
			len(serials), label, serials)
	case !validSerial(serials[0]):
		return 0, "", fmt.Errorf("token %q has serial %q, want 1 to 16 printable characters", label, serials[0])
	}
	return slot, serials[0], nil
}

// freeSlot returns a slot whose token is present but not initialised.
func freeSlot(c *pkcs11.Ctx) (uint, error) {
	slots, err := c.GetSlotList(true)
	if err != nil {
		return 0, fmt.Errorf("failed to list slots: %w", err)
	}
	for _, s := range slots {
		ti, err := c.GetTokenInfo(s)
		if err == nil && ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0 {
			return s, nil
		}
	}
	return 0, fmt.Errorf("no free token slot")
}

// userSession opens a session on the token with serial number serial and
// logs in.
func userSession(mod module, serial, pin string) (pkcs11.SessionHandle, error) {
	slot, err := findSlot(mod, serial, "")
	if err != nil {
		return 0, err
	}
	sh, err := mod.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		return 0, err
	}
	if err := mod.Login(sh, pkcs11.CKU_USER, pin); err != nil && err != pkcs11.Error(pkcs11.CKR_USER_ALREADY_LOGGED_IN) {
		mod.CloseSession(sh)
		return 0, fmt.Errorf("failed to log in to token with serial %q: %w", serial, err)
	}
	return sh, nil
}

// importKEK creates the AES-256 KEK in a token as a sensitive,
// non-extractable token object with CKA_ID kekObjectID(want) and checks
// the token's CKA_CHECK_VALUE against want, the check value the ceremony
// computed once for the KEK (PKCS#11 v3.0 §2.8: the first three bytes of
// AES-ECB of a zero block). It returns the KEK's handle. The caller zeroes
// kek.
func importKEK(mod module, sh pkcs11.SessionHandle, label string, kek []byte, want string) (pkcs11.ObjectHandle, error) {
	value := pkcs11.NewAttribute(pkcs11.CKA_VALUE, bytes.Clone(kek)) // the attribute may alias its input
	defer clear(value.Value)
	h, err := mod.CreateObject(sh, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false),
		pkcs11.NewAttribute(pkcs11.CKA_ENCRYPT, true),
		pkcs11.NewAttribute(pkcs11.CKA_DECRYPT, true),
		pkcs11.NewAttribute(pkcs11.CKA_WRAP, true),
		pkcs11.NewAttribute(pkcs11.CKA_UNWRAP, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_ID, kekObjectID(want)),
		value,
	})
	if err != nil {
		return 0, fmt.Errorf("failed to import KEK: %w", err)
	}
	attrs, err := readAttributes(mod, sh, h, pkcs11.CKA_CHECK_VALUE)
	if err != nil {
		return 0, err
	}
	if got := attrs[pkcs11.CKA_CHECK_VALUE]; hex.EncodeToString(got) != want {
		return 0, fmt.Errorf("KEK check value on token is %x, want %s", got, want)
	}
	return h, nil
}

// checkValue returns the hex AES key check value of key.
func checkValue(key []byte) (string, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	var block [16]byte
	b.Encrypt(block[:], block[:])
	return hex.EncodeToString(block[:3]), nil
}

// randomHex returns n random bytes as lower-case hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
