package checkpoint

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"testing"
)

// edKey is an in-memory Ed25519ctx key (RFC 8032 §5.1) standing in for a
// hybrid key: it honours the context like the real signer does.
type edKey struct {
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
	key  Key
}

func newEdKey(t testing.TB, name string) *edKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &edKey{priv: priv, pub: pub, key: Key{Name: name, ID: KeyID(name, []byte{SigTypeEd25519}, pub)}}
}

func (k *edKey) Sign(msg, ctx []byte) ([]byte, error) {
	return k.priv.Sign(nil, msg, &ed25519.Options{Hash: crypto.Hash(0), Context: string(ctx)})
}

func (k *edKey) Verify(msg, ctx, sig []byte) error {
	return ed25519.VerifyWithOptions(k.pub, msg, sig, &ed25519.Options{Context: string(ctx)})
}

func (k *edKey) trusted() TrustedKey { return TrustedKey{Key: k.key, Verifier: k} }

// failingSigner always fails, like an HSM that is down.
type failingSigner struct{ err error }

func (f failingSigner) Sign(msg, ctx []byte) ([]byte, error) { return nil, f.err }
