package batch

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"bastion/shared/checkpoint"
	"bastion/shared/merkle"
)

// edKey is an in-memory Ed25519ctx key (RFC 8032 §5.1) that honours the
// signing context like the hybrid signer does.
type edKey struct {
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
	key  checkpoint.Key
}

func newEdKey(t testing.TB, name string) *edKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := checkpoint.KeyID(name, []byte{checkpoint.SigTypeEd25519}, pub)
	return &edKey{priv: priv, pub: pub, key: checkpoint.Key{Name: name, ID: id}}
}

func (k *edKey) Sign(msg, ctx []byte) ([]byte, error) {
	return k.priv.Sign(nil, msg, &ed25519.Options{Hash: crypto.Hash(0), Context: string(ctx)})
}

func (k *edKey) Verify(msg, ctx, sig []byte) error {
	return ed25519.VerifyWithOptions(k.pub, msg, sig, &ed25519.Options{Context: string(ctx)})
}

// ledger is an in-memory ledger standing in for the high side's store.
type ledger struct {
	link    string
	entries [][]byte
	stored  []tlog.Hash
	key     *edKey
}

func newLedger(t testing.TB, link string, n int) *ledger {
	t.Helper()
	l := &ledger{link: link, key: newEdKey(t, "bastion.example/high-side")}
	for i := range n {
		e := fmt.Appendf(nil, `{"v":1,"id":"e-%d"}`, i)
		hs, err := tlog.StoredHashes(int64(i), e, l)
		if err != nil {
			t.Fatal(err)
		}
		l.stored = append(l.stored, hs...)
		l.entries = append(l.entries, e)
	}
	return l
}

func (l *ledger) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = l.stored[x]
	}
	return out, nil
}

func (l *ledger) root(t testing.TB, n uint64) merkle.Hash {
	t.Helper()
	if n == 0 {
		return merkle.EmptyRoot()
	}
	h, err := tlog.TreeHash(int64(n), l)
	if err != nil {
		t.Fatal(err)
	}
	return merkle.Hash(h)
}

// note returns the signed checkpoint of size n, or nil for n == 0.
func (l *ledger) note(t testing.TB, n uint64) []byte {
	t.Helper()
	c := checkpoint.Checkpoint{Origin: checkpoint.OriginFor(l.link), Size: n, Root: l.root(t, n)}
	b, err := checkpoint.Sign(c, l.key.key, l.key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// batch returns the batch of entries [first, end); entries whose index is
// in hidden go as leaf hashes only.
func (l *ledger) batch(t testing.TB, seq, first, end uint64, hidden ...uint64) *Batch {
	t.Helper()
	b := &Batch{Link: l.link, Seq: seq, First: first, Checkpoint: l.note(t, end)}
	if first > 0 {
		b.Prev = l.note(t, first)
	}
	if first > 0 && end > first {
		p, err := tlog.ProveTree(int64(end), int64(first), l)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range p {
			b.Proof = append(b.Proof, merkle.Hash(h))
		}
	}
	for i := first; i < end; i++ {
		it := Item{Entry: l.entries[i]}
		for _, h := range hidden {
			if h == i {
				it = Item{Hash: merkle.LeafHash(l.entries[i])}
			}
		}
		b.Items = append(b.Items, it)
	}
	return b
}
