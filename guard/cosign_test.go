package guard

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bastion/guard/guardtest"
	"bastion/shared/checkpoint"
	"bastion/shared/entry"
	"bastion/shared/merkle"
)

// TestTrustRequiresCosignatureQuorum: with cosigner keys configured, a
// checkpoint carrying the hybrid signature alone, or one cosignature of
// two required, is refused; with two it opens.
func TestTrustRequiresCosignatureQuorum(t *testing.T) {
	hs := guardtest.New(t, "audit")
	hs.Append(t, guardtest.Order(t, 1, entry.NewLabel(entry.Internal)))
	note := hs.Note(t, 1)
	tr, err := NewTrust(hs.KeyText(), "audit")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var files []string
	var privs []ed25519.PrivateKey
	for i, name := range []string{"node-1", "node-2", "node-3"} {
		seed := sha256.Sum256([]byte{byte(i)})
		priv := ed25519.NewKeyFromSeed(seed[:])
		privs = append(privs, priv)
		k := checkpoint.CosignerKey{Name: name, Public: priv.Public().(ed25519.PublicKey)}
		f := filepath.Join(dir, name+".cosign.vkey")
		if err := os.WriteFile(f, []byte(k.String()+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if err := tr.LoadCosigners(files, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.open(note); !errors.Is(err, checkpoint.ErrNoQuorum) {
		t.Fatalf("hybrid signature alone: %v, want ErrNoQuorum", err)
	}
	one, err := checkpoint.Cosign(note, "node-1", privs[0], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.open(one); !errors.Is(err, checkpoint.ErrNoQuorum) {
		t.Fatalf("one cosignature of two: %v, want ErrNoQuorum", err)
	}
	two, err := checkpoint.Cosign(one, "node-3", privs[2], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cp, err := tr.open(two)
	if err != nil || cp.Size != 1 {
		t.Fatalf("two cosignatures: %v, %v; want the checkpoint of size 1", cp, err)
	}
	// A cosignature by a key the guard does not know does not count.
	stranger := ed25519.NewKeyFromSeed(make([]byte, 32))
	odd, err := checkpoint.Cosign(one, "node-2", stranger, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.open(odd); !errors.Is(err, checkpoint.ErrNoQuorum) {
		t.Fatalf("unknown node-2 key: %v, want ErrNoQuorum", err)
	}
	if err := tr.LoadCosigners(files[:1], 2); err == nil {
		t.Error("a quorum larger than the keys was accepted")
	}
}

// TestForkAlarmKeepsEvidence: a batch whose signed checkpoint has the size
// of the last accepted one but another root is rejected with the fork
// alarm, and both notes are kept in the state folder.
func TestForkAlarmKeepsEvidence(t *testing.T) {
	r := newRig(t)
	r.orders(2)
	seq, raw := r.hs.Next(t)
	r.submit(seq, raw, Accepted)
	// The accepted note's text (its signatures are randomised: a second
	// signing differs).
	an, err := checkpoint.ParseNote(r.hs.Note(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	accepted := an.Text

	r.orders(1)
	b := r.hs.Batch(t)
	forked := checkpoint.Checkpoint{Origin: checkpoint.OriginFor(testLink), Size: 2, Root: merkle.LeafHash([]byte("other history"))}
	note, err := checkpoint.Sign(forked, r.hs.NoteKey, r.hs.Signer)
	if err != nil {
		t.Fatal(err)
	}
	b.Prev = note
	r.submit(b.Seq, r.hs.Sign(t, b), Rejected)

	files, _ := filepath.Glob(filepath.Join(r.cfg.StateDir, "evidence", "fork-2-*.txt"))
	if len(files) != 1 {
		t.Fatalf("%d evidence files, want 1", len(files))
	}
	body, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), string(accepted)) || !strings.Contains(string(body), string(note)) {
		t.Errorf("evidence does not hold both checkpoints:\n%s", body)
	}
}
