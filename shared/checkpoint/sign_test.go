package checkpoint

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/mod/sumdb/note"

	"bastion/shared/hybrid"
)

func TestSignOpen(t *testing.T) {
	k := newEdKey(t, "bastion.example/high-side")
	c := sampleCheckpoint()
	signed, err := Sign(c, k.key, k)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Open(signed, k.key, k)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if diff := cmp.Diff(c, got); diff != "" {
		t.Fatalf("opened checkpoint differs (-want +got):\n%s", diff)
	}
	if !bytes.HasPrefix(signed, append(c.Marshal(), "\n\u2014 bastion.example/high-side "...)) {
		t.Fatalf("signed note has an unexpected layout:\n%s", signed)
	}
}

func TestSignRejectsInvalid(t *testing.T) {
	k := newEdKey(t, "k")
	bad := sampleCheckpoint()
	bad.Origin = "has space"
	if _, err := Sign(bad, k.key, k); !errors.Is(err, ErrMalformedCheckpoint) {
		t.Fatalf("Sign(invalid) = %v, want ErrMalformedCheckpoint", err)
	}
	if _, err := Sign(sampleCheckpoint(), Key{Name: "a+b"}, k); err == nil {
		t.Fatal("Sign with key name containing '+' succeeded")
	}
	hsmDown := errors.New("token removed")
	if _, err := Sign(sampleCheckpoint(), k.key, failingSigner{hsmDown}); !errors.Is(err, hsmDown) {
		t.Fatalf("Sign with failing signer = %v, want the signer's error", err)
	}
}

func TestOpenAll(t *testing.T) {
	hs, n1, n2 := newEdKey(t, "high-side"), newEdKey(t, "node-1"), newEdKey(t, "node-2")
	stranger := newEdKey(t, "node-1") // same name as n1, other key and ID
	signed, err := Sign(sampleCheckpoint(), hs.key, hs)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []*edKey{n1, stranger} {
		if signed, err = AddSignature(signed, k.key, k); err != nil {
			t.Fatalf("AddSignature(%s): %v", k.key, err)
		}
	}
	forged := bytes.Replace(signed, []byte("1234"), []byte("1235"), 1)

	tests := []struct {
		name string
		note []byte
		keys []*edKey
		want error
	}{
		{"one key", signed, []*edKey{hs}, nil},
		{"two keys", signed, []*edKey{hs, n1}, nil},
		{"cosigner only", signed, []*edKey{n1}, nil},
		{"missing cosigner", signed, []*edKey{hs, n1, n2}, ErrUnsigned},
		{"forged size", forged, []*edKey{hs}, ErrBadSignature},
		{"forged size, cosigner", forged, []*edKey{n1}, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var keys []TrustedKey
			for _, k := range tt.keys {
				keys = append(keys, k.trusted())
			}
			c, err := OpenAll(tt.note, keys)
			if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Fatalf("OpenAll = %v, want %v", err, tt.want)
			}
			if err == nil && c.Size != 1234 {
				t.Fatalf("opened size %d, want 1234", c.Size)
			}
		})
	}
	if _, err := OpenAll(signed, nil); err == nil {
		t.Fatal("OpenAll with no trusted key succeeded")
	}
}

func TestAddSignatureRejects(t *testing.T) {
	k := newEdKey(t, "k")
	signed, err := Sign(sampleCheckpoint(), k.key, k)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := AddSignature(signed, k.key, k); !errors.Is(err, ErrMalformedNote) {
		t.Fatalf("second signature by the same key = %v, want ErrMalformedNote", err)
	}
	for i := 1; i < MaxSignatures; i++ {
		o := newEdKey(t, "cosigner")
		if signed, err = AddSignature(signed, o.key, o); err != nil {
			t.Fatalf("signature %d: %v", i+1, err)
		}
	}
	extra := newEdKey(t, "one-too-many")
	if _, err := AddSignature(signed, extra.key, extra); !errors.Is(err, ErrMalformedNote) {
		t.Fatalf("signature %d = %v, want ErrMalformedNote", MaxSignatures+1, err)
	}
}

// TestContextSeparation checks that a signature made with another context
// (a batch signature, say) over the same text does not open.
func TestContextSeparation(t *testing.T) {
	k := newEdKey(t, "k")
	body := sampleCheckpoint().Marshal()
	sig, err := k.Sign(body, []byte("bastion-batch-v1"))
	if err != nil {
		t.Fatal(err)
	}
	n := &Note{Text: body, Signatures: []Signature{{Name: k.key.Name, KeyID: k.key.ID, Sig: sig}}}
	if _, err := Open(n.Marshal(), k.key, k); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("Open with a batch-context signature = %v, want ErrBadSignature", err)
	}
}

func TestHybridSignOpen(t *testing.T) {
	s, err := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA65P256, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub := s.Public()
	key, err := HybridKey("bastion.example/high-side", string(pub.Suite()), pub.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	c := sampleCheckpoint()
	signed, err := Sign(c, key, s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Open(signed, key, pub)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got.Size != c.Size || got.Root != c.Root {
		t.Fatalf("opened %d %s, want %d %s", got.Size, got.Root, c.Size, c.Root)
	}
	t.Logf("hybrid signed checkpoint note: %d bytes", len(signed))

	// Both halves must verify: flipping a byte of either half is rejected.
	n, _ := ParseNote(signed)
	for _, at := range []int{10, len(n.Signatures[0].Sig) - 5} {
		m := *n
		m.Signatures = []Signature{n.Signatures[0]}
		m.Signatures[0].Sig = bytes.Clone(n.Signatures[0].Sig)
		m.Signatures[0].Sig[at] ^= 1
		if _, err := Open(m.Marshal(), key, pub); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("Open with signature byte %d flipped = %v, want ErrBadSignature", at, err)
		}
	}
}

func TestHybridKeyID(t *testing.T) {
	pk := bytes.Repeat([]byte{7}, 1984)
	k1, _ := HybridKey("n", "MLDSA65-ECDSA-P256-SHA512", pk)
	k2, _ := HybridKey("n", "MLDSA87-ECDSA-P384-SHA512", pk)
	k3, _ := HybridKey("m", "MLDSA65-ECDSA-P256-SHA512", pk)
	want := KeyID("n", append([]byte("\xffbastion-hybrid/MLDSA65-ECDSA-P256-SHA512"), '\n'), pk)
	if k1.ID != want {
		t.Fatalf("HybridKey ID = %08x, want %08x", k1.ID, want)
	}
	if k1.ID == k2.ID || k1.ID == k3.ID {
		t.Fatalf("key IDs collide across suite or name: %08x %08x %08x", k1.ID, k2.ID, k3.ID)
	}
	for _, bad := range []struct{ name, suite string }{{"", "s"}, {"a b", "s"}, {"n", ""}, {"n", "a\nb"}} {
		if _, err := HybridKey(bad.name, bad.suite, pk); err == nil {
			t.Errorf("HybridKey(%q, %q) succeeded, want an error", bad.name, bad.suite)
		}
	}
}

// TestStandardNoteInterop checks that notes written by x/mod's signed-note
// implementation parse here, and that KeyID computes the same key ID.
func TestStandardNoteInterop(t *testing.T) {
	skey, vkey, err := note.GenerateKey(rand.Reader, "example.com/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	text := string(sampleCheckpoint().Marshal())
	msg, err := note.Sign(&note.Note{Text: text}, signer)
	if err != nil {
		t.Fatal(err)
	}
	n, err := ParseNote(msg)
	if err != nil {
		t.Fatalf("ParseNote(x/mod note): %v", err)
	}
	if got := n.Marshal(); !bytes.Equal(got, msg) {
		t.Fatalf("re-encoding differs:\n got %q\nwant %q", got, msg)
	}
	if n.Signatures[0].KeyID != signer.KeyHash() {
		t.Fatalf("parsed key ID %08x, want %08x", n.Signatures[0].KeyID, signer.KeyHash())
	}
	// The verifier key is "<name>+<hash>+<base64(0x01 || key)>".
	parts := strings.SplitN(vkey, "+", 3)
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 33 || raw[0] != SigTypeEd25519 {
		t.Fatalf("unexpected verifier key %q", vkey)
	}
	if got := KeyID("example.com/log", raw[:1], raw[1:]); got != signer.KeyHash() {
		t.Fatalf("KeyID = %08x, x/mod key hash = %08x", got, signer.KeyHash())
	}
}
