package checkpoint

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"
)

type testCosigner struct {
	CosignerKey
	priv ed25519.PrivateKey
}

func newCosigner(t testing.TB, name string, seed byte) testCosigner {
	t.Helper()
	s := sha256.Sum256([]byte{seed})
	priv := ed25519.NewKeyFromSeed(s[:])
	return testCosigner{CosignerKey{Name: name, Public: priv.Public().(ed25519.PublicKey)}, priv}
}

func TestCosignQuorum(t *testing.T) {
	hs := newEdKey(t, "high-side")
	note, err := Sign(sampleCheckpoint(), hs.key, hs)
	if err != nil {
		t.Fatal(err)
	}
	n1, n2, n3 := newCosigner(t, "node-1", 1), newCosigner(t, "node-2", 2), newCosigner(t, "node-3", 3)
	at := time.Unix(1_800_000_000, 0)
	c1, err := Cosign(note, n1.Name, n1.priv, at)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := Cosign(note, n2.Name, n2.priv, at)
	if err != nil {
		t.Fatal(err)
	}
	merged, err := MergeSignatures(note, c1, c2, c1)
	if err != nil {
		t.Fatal(err)
	}
	q := Quorum{Keys: []CosignerKey{n1.CosignerKey, n2.CosignerKey, n3.CosignerKey}, Required: 2}
	signed, err := q.Check(merged)
	if err != nil || strings.Join(signed, ",") != "node-1,node-2" {
		t.Fatalf("Check = %v, %v; want node-1,node-2", signed, err)
	}
	// The hybrid signature still opens with the cosignatures present.
	if _, err := Open(merged, hs.key, hs); err != nil {
		t.Errorf("Open after cosigning: %v", err)
	}
	if _, err := q.Check(c1); !errors.Is(err, ErrNoQuorum) {
		t.Errorf("one cosignature of two: %v, want ErrNoQuorum", err)
	}
	// A cosignature whose bytes were changed is an error, not a skip.
	bad := flipSigByte(t, c1, "node-1")
	if _, err := q.Check(bad); !errors.Is(err, ErrBadSignature) {
		t.Errorf("tampered cosignature: %v, want ErrBadSignature", err)
	}
	if _, err := Cosign(c1, n1.Name, n1.priv, at); err == nil {
		t.Error("a second cosignature by the same key was accepted")
	}
	if _, err := (Quorum{Keys: q.Keys[:1], Required: 2}).Check(merged); err == nil {
		t.Error("a quorum larger than the key set was accepted")
	}
}

// TestCosignatureFormat checks the bytes against C2SP tlog-cosignature: the
// key ID over name, newline, 0x04 and the key, and the signature over the
// cosignature/v1 header, the time line and the body.
func TestCosignatureFormat(t *testing.T) {
	hs := newEdKey(t, "high-side")
	note, _ := Sign(sampleCheckpoint(), hs.key, hs)
	c := newCosigner(t, "node-1", 1)
	at := time.Unix(1_700_000_123, 0)
	out, err := Cosign(note, c.Name, c.priv, at)
	if err != nil {
		t.Fatal(err)
	}
	n, err := ParseNote(out)
	if err != nil {
		t.Fatal(err)
	}
	s := n.Signatures[len(n.Signatures)-1]
	h := sha256.Sum256(append([]byte("node-1\n\x04"), c.Public...))
	if s.KeyID != binary.BigEndian.Uint32(h[:4]) {
		t.Errorf("key id %08x, want %08x", s.KeyID, binary.BigEndian.Uint32(h[:4]))
	}
	if got := binary.BigEndian.Uint64(s.Sig[:8]); got != 1_700_000_123 {
		t.Errorf("timestamp %d, want 1700000123", got)
	}
	msg := "cosignature/v1\ntime 1700000123\n" + string(n.Text)
	if !ed25519.Verify(c.Public, []byte(msg), s.Sig[8:]) {
		t.Error("signature does not verify over the cosignature/v1 message")
	}
}

func TestParseCosignerKey(t *testing.T) {
	c := newCosigner(t, "node-2", 2)
	got, err := ParseCosignerKey(c.String() + "\n")
	if err != nil || got.Name != "node-2" || !got.Public.Equal(c.Public) {
		t.Fatalf("round trip: %v, %v", got, err)
	}
	other := newCosigner(t, "node-3", 3)
	wrongID := "node-2+" + strings.Split(other.String(), "+")[1] + "+" + strings.Split(c.String(), "+")[2]
	for _, bad := range []string{"", "node-2", "node-2+zz+AAAA", wrongID, "no de+00000000+BA==",
		strings.Replace(c.String(), "+B", "+A", 1)} {
		if _, err := ParseCosignerKey(bad); err == nil {
			t.Errorf("ParseCosignerKey(%q) accepted", bad)
		}
	}
}

func flipSigByte(t *testing.T, note []byte, name string) []byte {
	t.Helper()
	n, err := ParseNote(note)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n.Signatures {
		if n.Signatures[i].Name == name {
			n.Signatures[i].Sig[20] ^= 1
		}
	}
	return n.Marshal()
}

func FuzzParseCosignerKey(f *testing.F) {
	f.Add(newCosigner(f, "node-1", 1).String())
	f.Add("a+00000000+")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseCosignerKey(s)
		if err != nil {
			return
		}
		if again, err := ParseCosignerKey(k.String()); err != nil || again.Name != k.Name {
			t.Fatalf("accepted key does not round-trip: %v", err)
		}
	})
}
