package report

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
)

// fdidLabel separates the firm-designated id derivation from any other
// use of the key.
const fdidLabel = "bastion-cat-fdid-v1\x00"

// FDIDKeySize is the size in bytes of a firm-designated id key.
const FDIDKeySize = 32

// FirmDesignatedID returns the CAT firm-designated id for the account
// behind commitment: "F" and the unpadded base32 of the first 15 bytes of
// HMAC-SHA256(key, "bastion-cat-fdid-v1" || 0x00 || commitment) (RFC 2104),
// 25 characters of A-Z and 2-7.
//
// CAT forbids an account number as the firm-designated id. The ledger holds
// no account number, only a salted commitment ("c1:..."), and the
// commitment itself is not used either: it is public on the low side, so
// anyone holding the bundle could link CAT records to ledger entries and
// try to open them. The HMAC under a key the report host keeps secret
// gives an id that is stable for one commitment and reveals nothing about
// it. The id is stable per order: every event of an order uses the
// commitment on its new-order event.
func FirmDesignatedID(key []byte, commitment string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(fdidLabel))
	m.Write([]byte(commitment))
	return "F" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(m.Sum(nil)[:15])
}
