package cosign

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"bastion/high-side/ledger"
	"bastion/high-side/ledger/ledgertest"
	"bastion/shared/checkpoint"
	"bastion/shared/hybrid"
	"bastion/shared/merkle"
)

// testLedger is a real bbolt ledger of n deterministic entries, tagged so
// that two ledgers with different tags differ from the first entry on.
func testLedger(t *testing.T, n int, tag string) *ledger.Ledger {
	t.Helper()
	l, db := ledgertest.Open(t)
	grow(t, l, db, 0, n, tag)
	return l
}

func grow(t *testing.T, l *ledger.Ledger, db *bbolt.DB, from, to int, tag string) {
	t.Helper()
	var recs []ledger.Record
	for i := from; i < to; i++ {
		recs = append(recs, ledger.Record{Entry: fmt.Appendf(nil, `{"n":%d,"tag":%q}`, i, tag), ID: fmt.Sprintf("%s-%d", tag, i)})
	}
	if err := db.Update(func(tx *bbolt.Tx) error { _, err := l.Append(tx, recs); return err }); err != nil {
		t.Fatal(err)
	}
}

func key(seed byte) ed25519.PrivateKey {
	s := sha256.Sum256([]byte{seed})
	return ed25519.NewKeyFromSeed(s[:])
}

// signedNote returns a hybrid-signed checkpoint of size over l.
func signedNote(t *testing.T, l cpLedger, size uint64) []byte {
	t.Helper()
	root, err := l.Root(size)
	if err != nil {
		t.Fatal(err)
	}
	return noteFor(t, size, root)
}

type cpLedger interface {
	Root(uint64) (merkle.Hash, error)
}

var testSigner = func() *hybrid.SoftwareSigner {
	s, err := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA65P256, rand.Reader)
	if err != nil {
		panic(err)
	}
	return s
}()

func noteFor(t *testing.T, size uint64, root merkle.Hash) []byte {
	t.Helper()
	pub := testSigner.Public()
	k, err := checkpoint.HybridKey("high-side", string(pub.Suite()), pub.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	note, err := checkpoint.Sign(checkpoint.Checkpoint{Origin: checkpoint.OriginFor("audit"), Size: size, Root: root}, k, testSigner)
	if err != nil {
		t.Fatal(err)
	}
	return note
}

func TestLocalCosignsOnlyWhatItsLedgerHolds(t *testing.T) {
	l := testLedger(t, 300, "a")
	dir := t.TempDir()
	c, err := Open(dir, "node-1", key(1), l, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	q := checkpoint.Quorum{Keys: []checkpoint.CosignerKey{c.Key()}, Required: 1}
	for _, size := range []uint64{1, 256, 257, 300} {
		out, err := c.Cosign(ctx, signedNote(t, l, size))
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if _, err := q.Check(out); err != nil {
			t.Fatalf("size %d: cosignature does not verify: %v", size, err)
		}
	}
	// The same checkpoint again is fine; an older one is refused.
	if _, err := c.Cosign(ctx, signedNote(t, l, 300)); err != nil {
		t.Errorf("same checkpoint again: %v", err)
	}
	if _, err := c.Cosign(ctx, signedNote(t, l, 200)); !errors.Is(err, ErrStale) {
		t.Errorf("older checkpoint: %v, want ErrStale", err)
	}
	// A root this ledger does not have raises the alarm.
	var wrong merkle.Hash
	wrong[0] = 1
	if _, err := c.Cosign(ctx, noteFor(t, 300, wrong)); !errors.Is(err, ErrFork) {
		t.Fatalf("wrong root: %v, want ErrFork", err)
	}
	if c.Forks() != 1 {
		t.Errorf("Forks = %d, want 1", c.Forks())
	}
	ev, _ := filepath.Glob(filepath.Join(dir, "evidence", "fork-*.txt"))
	if len(ev) != 1 {
		t.Fatalf("%d evidence files, want 1", len(ev))
	}
	// Beyond the ledger's size: it waits, then gives up with the context.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := c.Cosign(short, noteFor(t, 301, wrong)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("size beyond the ledger: %v, want a deadline error", err)
	}
	// The last cosigned checkpoint survives a restart.
	again, err := Open(dir, "node-1", key(1), l, nil)
	if err != nil {
		t.Fatal(err)
	}
	if size, root := again.Last(); size != 300 || root != mustRoot(t, l, 300) {
		t.Errorf("after reopening: last %d %s, want 300 and the ledger's root", size, root)
	}
}

// TestLocalDetectsRewrittenHistory: a node whose ledger was replaced by one
// with another history refuses to extend what it cosigned before, and
// keeps both checkpoints as evidence.
func TestLocalDetectsRewrittenHistory(t *testing.T) {
	a, b := testLedger(t, 100, "a"), testLedger(t, 200, "b")
	dir := t.TempDir()
	c, err := Open(dir, "node-2", key(2), a, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Cosign(context.Background(), signedNote(t, a, 100)); err != nil {
		t.Fatal(err)
	}
	c2, err := Open(dir, "node-2", key(2), b, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c2.Cosign(context.Background(), signedNote(t, b, 200))
	if !errors.Is(err, ErrFork) || !strings.Contains(err.Error(), "not consistent") {
		t.Fatalf("rewritten history: %v, want a consistency fork alarm", err)
	}
	ev, _ := filepath.Glob(filepath.Join(dir, "evidence", "fork-*.txt"))
	if len(ev) != 1 {
		t.Fatalf("%d evidence files, want 1", len(ev))
	}
	body, _ := os.ReadFile(ev[0])
	if !strings.Contains(string(body), "checkpoint cosigned before") || strings.Count(string(body), "audit") < 2 {
		t.Errorf("evidence does not hold both checkpoints:\n%s", body)
	}
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	pub, err := GenerateKey(dir, "node-3")
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ReadKey(KeyFile(dir, "node-3"))
	if err != nil {
		t.Fatal(err)
	}
	if !priv.Public().(ed25519.PublicKey).Equal(pub.Public) {
		t.Error("private key does not match the verifier key")
	}
	vk, err := ReadVerifierKey(VerifierKeyFile(dir, "node-3"))
	if err != nil || vk.Name != "node-3" || !vk.Public.Equal(pub.Public) {
		t.Errorf("verifier key: %v, %v", vk, err)
	}
	if _, err := GenerateKey(dir, "node-3"); err == nil {
		t.Error("GenerateKey overwrote a key")
	}
	if err := os.Chmod(KeyFile(dir, "node-3"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadKey(KeyFile(dir, "node-3")); err == nil {
		t.Error("a key readable by others was accepted")
	}
}

func mustRoot(t *testing.T, l *ledger.Ledger, size uint64) merkle.Hash {
	t.Helper()
	r, err := l.Root(size)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
