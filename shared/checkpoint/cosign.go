package checkpoint

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cosignatures follow C2SP tlog-cosignature: signature type 0x04
// ("cosignature/v1"), an Ed25519 signature over
//
//	cosignature/v1
//	time <seconds since the epoch>
//	<checkpoint body>
//
// carried on the note's signature line as the 8-byte big-endian timestamp
// followed by the 64-byte signature. Each high-side node cosigns the
// checkpoints it has recomputed from its own copy of the ledger; a reader
// counts the cosignatures of distinct trusted nodes against a quorum.

// SigTypeCosignature is the type byte of cosignature/v1 keys.
const SigTypeCosignature = 0x04

// cosignatureHeader opens the signed message of a cosignature.
const cosignatureHeader = "cosignature/v1\ntime "

// cosignatureLen is the signature length after the key ID: timestamp and
// Ed25519 signature.
const cosignatureLen = 8 + ed25519.SignatureSize

// Errors returned by the quorum check.
var (
	// ErrNoQuorum is returned when fewer trusted cosigners than the quorum
	// have a valid cosignature on the note.
	ErrNoQuorum = errors.New("checkpoint lacks a quorum of cosignatures")
)

// CosignerKey is a node's public cosigning key under its name.
type CosignerKey struct {
	Name   string
	Public ed25519.PublicKey
}

// Key returns the note key of k: its name and its C2SP key ID.
func (k CosignerKey) Key() Key {
	return Key{Name: k.Name, ID: KeyID(k.Name, []byte{SigTypeCosignature}, k.Public)}
}

// String returns k as a C2SP verifier key: name+hexid+base64(0x04||key).
func (k CosignerKey) String() string {
	return fmt.Sprintf("%s+%08x+%s", k.Name, k.Key().ID,
		base64.StdEncoding.EncodeToString(append([]byte{SigTypeCosignature}, k.Public...)))
}

// ParseCosignerKey reads a verifier key written by CosignerKey.String. It
// checks the name, the type byte, the key length and that the key ID
// matches the key.
func ParseCosignerKey(s string) (CosignerKey, error) {
	s = strings.TrimSpace(s)
	name, rest, ok1 := strings.Cut(s, "+")
	idHex, b64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 || !ValidKeyName(name) || len(idHex) != 8 {
		return CosignerKey{}, errors.New("malformed cosigner key: want name+id+key")
	}
	id, err := strconv.ParseUint(idHex, 16, 32)
	if err != nil {
		return CosignerKey{}, fmt.Errorf("malformed cosigner key id %q", idHex)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != SigTypeCosignature {
		return CosignerKey{}, errors.New("malformed cosigner key: want a base64 type 0x04 Ed25519 key")
	}
	k := CosignerKey{Name: name, Public: ed25519.PublicKey(raw[1:])}
	if k.Key().ID != uint32(id) {
		return CosignerKey{}, fmt.Errorf("cosigner key %s: id %s does not match the key", name, idHex)
	}
	return k, nil
}

// cosignedMessage is what a cosignature signs.
func cosignedMessage(text []byte, t uint64) []byte {
	m := make([]byte, 0, len(cosignatureHeader)+24+len(text))
	m = append(m, cosignatureHeader...)
	m = strconv.AppendUint(m, t, 10)
	m = append(m, '\n')
	return append(m, text...)
}

// Cosign returns note with a cosignature by the node key name/priv added,
// dated at. It checks that the note holds a valid checkpoint and that the
// key has not signed it yet, and verifies no other signature: the caller
// must have recomputed the checkpoint itself.
func Cosign(note []byte, name string, priv ed25519.PrivateKey, at time.Time) ([]byte, error) {
	n, err := ParseNote(note)
	if err != nil {
		return nil, err
	}
	if _, err := Parse(n.Text); err != nil {
		return nil, err
	}
	k := CosignerKey{Name: name, Public: priv.Public().(ed25519.PublicKey)}
	if !ValidKeyName(name) {
		return nil, fmt.Errorf("invalid key name %q", name)
	}
	if len(n.Signatures) >= MaxSignatures {
		return nil, fmt.Errorf("%w: already %d signatures", ErrMalformedNote, len(n.Signatures))
	}
	if n.find(k.Name, k.Key().ID) >= 0 {
		return nil, fmt.Errorf("%w: key %s already signed", ErrMalformedNote, k.Key())
	}
	t := uint64(at.Unix())
	sig := binary.BigEndian.AppendUint64(make([]byte, 0, cosignatureLen), t)
	sig = append(sig, ed25519.Sign(priv, cosignedMessage(n.Text, t))...)
	n.Signatures = append(n.Signatures, Signature{Name: k.Name, KeyID: k.Key().ID, Sig: sig})
	return n.Marshal(), nil
}

// verifyCosignature checks one cosignature line against k and returns its
// time.
func verifyCosignature(text []byte, s Signature, k CosignerKey) (time.Time, error) {
	if len(s.Sig) != cosignatureLen {
		return time.Time{}, fmt.Errorf("cosignature by %s is %d bytes, want %d", k.Name, len(s.Sig), cosignatureLen)
	}
	t := binary.BigEndian.Uint64(s.Sig[:8])
	if t > 1<<62 {
		return time.Time{}, fmt.Errorf("cosignature by %s has an impossible time %d", k.Name, t)
	}
	if !ed25519.Verify(k.Public, cosignedMessage(text, t), s.Sig[8:]) {
		return time.Time{}, fmt.Errorf("%w: cosignature by %s", ErrBadSignature, k.Key())
	}
	return time.Unix(int64(t), 0).UTC(), nil
}

// Quorum is what a reader requires of cosignatures: at least Required
// valid cosignatures by distinct keys among Keys.
type Quorum struct {
	Keys     []CosignerKey
	Required int
}

// Check verifies the cosignatures on note of the keys in q and returns the
// names of the nodes whose cosignature verified, in q's order. A trusted
// key whose line does not verify is an error (ErrBadSignature), as for
// OpenAll; fewer than Required valid cosignatures is ErrNoQuorum. A zero
// Quorum checks nothing and returns nil.
func (q Quorum) Check(note []byte) ([]string, error) {
	if q.Required == 0 {
		return nil, nil
	}
	if q.Required < 0 || q.Required > len(q.Keys) {
		return nil, fmt.Errorf("quorum of %d out of %d cosigner keys", q.Required, len(q.Keys))
	}
	n, err := ParseNote(note)
	if err != nil {
		return nil, err
	}
	var signed []string
	seen := map[string]bool{}
	for _, k := range q.Keys {
		if seen[k.Name] {
			return nil, fmt.Errorf("cosigner %s listed twice", k.Name)
		}
		seen[k.Name] = true
		i := n.find(k.Name, k.Key().ID)
		if i < 0 {
			continue
		}
		if _, err := verifyCosignature(n.Text, n.Signatures[i], k); err != nil {
			return nil, err
		}
		signed = append(signed, k.Name)
	}
	if len(signed) < q.Required {
		return signed, fmt.Errorf("%w: %d of %d required (%s)", ErrNoQuorum, len(signed), q.Required,
			strings.Join(signed, ", "))
	}
	return signed, nil
}

// MergeSignatures returns note with the signature lines of others added
// that it does not already carry. Every note must have the same text.
func MergeSignatures(note []byte, others ...[]byte) ([]byte, error) {
	n, err := ParseNote(note)
	if err != nil {
		return nil, err
	}
	for _, o := range others {
		on, err := ParseNote(o)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(on.Text, n.Text) {
			return nil, errors.New("cannot merge signatures of notes with different texts")
		}
		for _, s := range on.Signatures {
			if n.find(s.Name, s.KeyID) >= 0 {
				continue
			}
			if len(n.Signatures) >= MaxSignatures {
				return nil, fmt.Errorf("%w: more than %d signatures", ErrMalformedNote, MaxSignatures)
			}
			n.Signatures = append(n.Signatures, s)
		}
	}
	return n.Marshal(), nil
}
