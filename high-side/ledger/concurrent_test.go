package ledger

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"go.etcd.io/bbolt"
	"go.uber.org/goleak"

	"bastion/shared/checkpoint"
	"bastion/shared/merkle"
)

// edSigner is an in-memory Ed25519ctx key standing in for the HSM.
type edSigner struct {
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
}

func (k edSigner) Sign(msg, ctx []byte) ([]byte, error) {
	return k.priv.Sign(nil, msg, &ed25519.Options{Hash: crypto.Hash(0), Context: string(ctx)})
}

func (k edSigner) Verify(msg, ctx, sig []byte) error {
	return ed25519.VerifyWithOptions(k.pub, msg, sig, &ed25519.Options{Context: string(ctx)})
}

// TestConcurrentProofs is REPLAY L4: 100 writers append while 100 readers
// each pin a signed checkpoint and build proofs for it in separate read
// transactions. Every proof must verify against its pinned checkpoint, and
// every new checkpoint must be consistent with the reader's previous one.
func TestConcurrentProofs(t *testing.T) {
	defer goleak.VerifyNone(t)
	l, db, _ := openTemp(t, false)
	fill(t, l, 100, 100)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer := edSigner{priv, pub}
	key := checkpoint.Key{Name: "test", ID: checkpoint.KeyID("test", []byte{checkpoint.SigTypeEd25519}, pub)}

	const writers, readers, txsPerWriter, recsPerTx = 100, 100, 2, 20
	stop := make(chan struct{}) // closed when every writer is done
	var wg, rg sync.WaitGroup
	commits := newBroadcast()
	for w := range writers {
		wg.Go(func() {
			for k := range txsPerWriter {
				from := 100 + (w*txsPerWriter+k)*recsPerTx
				recs := append(records(from, from+recsPerTx), record(w)) // record(w) is a duplicate
				if err := db.Update(func(tx *bbolt.Tx) error { _, err := l.Append(tx, recs); return err }); err != nil {
					t.Errorf("writer %d: %v", w, err)
				}
				commits.signal()
			}
		})
	}
	var proofs atomic.Int64
	for r := range readers {
		rg.Go(func() {
			rng := mrand.New(mrand.NewPCG(uint64(r), 1))
			var prev checkpoint.Checkpoint
			for first := true; first || !closed(stop); first = false {
				next := commits.wait()
				c, err := pinCheckpoint(l, key, signer)
				if err != nil {
					t.Errorf("reader %d: %v", r, err)
					return
				}
				if err := proveAgainst(l, c, prev, rng); err != nil {
					t.Errorf("reader %d at size %d: %v", r, c.Size, err)
					return
				}
				prev = c
				proofs.Add(1)
				select { // pin again after the next commit
				case <-next:
				case <-stop:
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	rg.Wait()

	want := uint64(100 + writers*txsPerWriter*recsPerTx)
	if size, _ := l.Size(); size != want {
		t.Fatalf("final size %d, want %d", size, want)
	}
	t.Logf("%d pinned checkpoints proved", proofs.Load())
}

func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// broadcast wakes every waiter at each signal.
type broadcast struct {
	mu sync.Mutex
	ch chan struct{}
}

func newBroadcast() *broadcast { return &broadcast{ch: make(chan struct{})} }

// wait returns a channel closed at the next signal.
func (b *broadcast) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ch
}

func (b *broadcast) signal() {
	b.mu.Lock()
	defer b.mu.Unlock()
	close(b.ch)
	b.ch = make(chan struct{})
}

// pinCheckpoint signs the ledger's current head and opens it again, as a
// proof server does with the latest published checkpoint.
func pinCheckpoint(l *Ledger, key checkpoint.Key, s edSigner) (checkpoint.Checkpoint, error) {
	size, root, err := l.Head()
	if err != nil {
		return checkpoint.Checkpoint{}, err
	}
	note, err := checkpoint.Sign(checkpoint.Checkpoint{Origin: checkpoint.OriginFor("l4"), Size: size, Root: root}, key, s)
	if err != nil {
		return checkpoint.Checkpoint{}, err
	}
	return checkpoint.Open(note, key, s)
}

// proveAgainst builds an inclusion proof for a random entry and the
// consistency proof from prev, each in its own read transaction, and
// verifies them against the pinned checkpoint c.
func proveAgainst(l *Ledger, c, prev checkpoint.Checkpoint, rng *mrand.Rand) error {
	i := rng.Uint64N(c.Size)
	leaf, err := l.LeafHash(i)
	if err != nil {
		return err
	}
	incl, err := l.InclusionProof(i, c.Size)
	if err != nil {
		return err
	}
	if err := merkle.VerifyInclusion(i, c.Size, leaf, incl, c.Root); err != nil {
		return fmt.Errorf("inclusion of %d: %w", i, err)
	}
	if prev.Size == 0 {
		return nil
	}
	cons, err := l.ConsistencyProof(prev.Size, c.Size)
	if err != nil {
		return err
	}
	return merkle.VerifyConsistency(prev.Size, c.Size, prev.Root, c.Root, cons)
}
