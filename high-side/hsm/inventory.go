package hsm

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/miekg/pkcs11"
)

// maxPublicKeys bounds how many public key objects a token may hold; a
// token with more is not read further and is treated as different.
const maxPublicKeys = 256

// inventory is what every token of a pool must hold identically: the
// check value of the KEK and the public keys, by CKA_ID. Labels are not
// part of it: relabelling an object changes nothing the pool relies on.
type inventory struct {
	kekCheck   string              // hex CKA_CHECK_VALUE of the KEK; "" if none
	publicKeys map[string][]string // hex CKA_ID -> hex SHA-256 of each CKA_EC_POINT, sorted
}

// readInventory reads the check value of the KEK whose CKA_ID is kekID
// and every public key visible to the logged-in session sh.
func readInventory(mod module, sh pkcs11.SessionHandle, kekID []byte) (*inventory, error) {
	inv := &inventory{publicKeys: map[string][]string{}}
	kek, err := findObject(mod, sh, pkcs11.CKO_SECRET_KEY, kekID)
	switch {
	case errors.Is(err, ErrKeyNotFound):
	case err != nil:
		return nil, err
	default:
		attrs, err := readAttributes(mod, sh, kek, pkcs11.CKA_CHECK_VALUE)
		if err != nil {
			return nil, err
		}
		inv.kekCheck = hex.EncodeToString(attrs[pkcs11.CKA_CHECK_VALUE])
	}

	class := pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY)
	objs, err := findAll(mod, sh, []*pkcs11.Attribute{class})
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		attrs, err := readAttributes(mod, sh, o, pkcs11.CKA_ID, pkcs11.CKA_EC_POINT)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(attrs[pkcs11.CKA_EC_POINT])
		id := hex.EncodeToString(attrs[pkcs11.CKA_ID])
		inv.publicKeys[id] = append(inv.publicKeys[id], hex.EncodeToString(sum[:]))
	}
	for _, fps := range inv.publicKeys {
		slices.Sort(fps)
	}
	return inv, nil
}

// findAll returns up to maxPublicKeys+1 objects matching tmpl.
func findAll(mod module, sh pkcs11.SessionHandle, tmpl []*pkcs11.Attribute) ([]pkcs11.ObjectHandle, error) {
	if err := mod.FindObjectsInit(sh, tmpl); err != nil {
		return nil, err
	}
	var out []pkcs11.ObjectHandle
	var err error
	for len(out) <= maxPublicKeys {
		var objs []pkcs11.ObjectHandle
		objs, _, err = mod.FindObjects(sh, 64)
		if err != nil || len(objs) == 0 {
			break
		}
		out = append(out, objs...)
	}
	if ferr := mod.FindObjectsFinal(sh); err == nil {
		err = ferr
	}
	return out, err
}

// key returns a canonical text of the inventory; equal inventories have
// equal keys.
func (inv *inventory) key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "kek=%s", inv.kekCheck)
	for _, l := range slices.Sorted(maps.Keys(inv.publicKeys)) {
		fmt.Fprintf(&b, "\n%q=%s", l, strings.Join(inv.publicKeys[l], ","))
	}
	return b.String()
}

// diff describes how inv differs from want, or returns "" when it does
// not. Only object ids and check values appear, never key material.
func (inv *inventory) diff(want *inventory) string {
	var out []string
	if inv.kekCheck != want.kekCheck {
		out = append(out, fmt.Sprintf("KEK check value %q, want %q", inv.kekCheck, want.kekCheck))
	}
	all := map[string]bool{}
	for l := range inv.publicKeys {
		all[l] = true
	}
	for l := range want.publicKeys {
		all[l] = true
	}
	for _, l := range slices.Sorted(maps.Keys(all)) {
		got, ok := inv.publicKeys[l]
		exp, wantOK := want.publicKeys[l]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("public key id %s missing", l))
		case !wantOK:
			out = append(out, fmt.Sprintf("unexpected public key id %s", l))
		case !slices.Equal(got, exp):
			out = append(out, fmt.Sprintf("public key id %s differs", l))
		}
	}
	return strings.Join(out, "; ")
}
