package export_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"bastion/high-side/export"
	"bastion/high-side/ledger"
	"bastion/high-side/ledger/ledgertest"
	"bastion/shared/batch"
	"bastion/shared/checkpoint"
	"bastion/shared/entry"
	"bastion/shared/hybrid"

	"go.etcd.io/bbolt"
)

// memCursor is an in-memory export cursor that checks, at every advance,
// that no more than maxUnsent committed batches are still unsent.
type memCursor struct {
	t         *testing.T
	mu        sync.Mutex
	recs      []export.Record
	sent      func() int
	maxUnsent int
	advanced  chan uint64
}

func (c *memCursor) Last(string) (export.Record, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.recs) == 0 {
		return export.Record{}, false, nil
	}
	return c.recs[len(c.recs)-1], true, nil
}

func (c *memCursor) Get(_ string, seq uint64) (export.Record, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if seq == 0 || seq > uint64(len(c.recs)) {
		return export.Record{}, false, nil
	}
	return c.recs[seq-1], true, nil
}

func (c *memCursor) Advance(_ context.Context, _ string, rec export.Record) error {
	c.mu.Lock()
	c.recs = append(c.recs, rec)
	c.mu.Unlock()
	if unsent := int(rec.Seq) - c.sent(); unsent > c.maxUnsent {
		c.t.Errorf("batch %d committed with %d batches unsent, want at most %d", rec.Seq, unsent, c.maxUnsent)
	}
	c.advanced <- rec.Seq
	return nil
}

// gatedSender records batches; every Send waits until the gate is open.
type gatedSender struct {
	gate    chan struct{}
	mu      sync.Mutex
	batches [][]byte
	got     chan uint64
}

func (s *gatedSender) Send(ctx context.Context, seq uint64, raw []byte) error {
	select {
	case <-s.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	s.batches = append(s.batches, raw)
	s.mu.Unlock()
	s.got <- seq
	return nil
}

func (s *gatedSender) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.batches)
}

type releaseAll struct{}

func (releaseAll) Releasable(entry.Label) bool { return true }

// newLedger returns a bbolt-backed ledger holding n entries.
func newLedger(t *testing.T, n int) *ledger.Ledger {
	t.Helper()
	l, db := ledgertest.Open(t)
	recs := make([]ledger.Record, n)
	for i := range recs {
		recs[i] = ledger.Record{ID: fmt.Sprintf("e-%d", i), Entry: []byte(fmt.Sprintf(`{"n":%d}`, i))}
	}
	if err := db.Update(func(tx *bbolt.Tx) error { _, err := l.Append(tx, recs); return err }); err != nil {
		t.Fatal(err)
	}
	return l
}

// TestRunPipelinesSend checks that Run commits later checkpoints while a
// batch is still being sent, never has more than Resend batches committed
// and unsent, and sends every batch in order, each linked to the
// checkpoint before it.
func TestRunPipelinesSend(t *testing.T) {
	const entries, per, resend = 10, 1, 4
	signer, err := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA65P256, nil)
	if err != nil {
		t.Fatal(err)
	}
	key, err := checkpoint.HybridKey("test", string(hybrid.SuiteMLDSA65P256), signer.Public().Bytes())
	if err != nil {
		t.Fatal(err)
	}
	snd := &gatedSender{gate: make(chan struct{}), got: make(chan uint64, entries)}
	cur := &memCursor{t: t, sent: snd.count, maxUnsent: resend, advanced: make(chan uint64, entries)}
	e := export.New(export.Config{Link: "l", Origin: checkpoint.OriginFor("l"), Key: key, Interval: time.Hour, MaxEntries: per,
		Resend: resend}, newLedger(t, entries), cur, signer, snd, releaseAll{}, nil)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	defer func() { cancel(); <-done }()

	// With the first send held, rounds go on up to the bound.
	for want := uint64(1); want <= resend; want++ {
		if got := wait(t, cur.advanced); got != want {
			t.Fatalf("committed batch %d, want %d", got, want)
		}
	}
	close(snd.gate)
	for want := uint64(1); want <= entries/per; want++ {
		if got := wait(t, snd.got); got != want {
			t.Fatalf("sent batch %d, want %d", got, want)
		}
	}

	var prev []byte
	for i, raw := range snd.batches {
		b, err := batch.Parse(raw, batch.Limits{})
		if err != nil {
			t.Fatalf("batch %d: %v", i+1, err)
		}
		if b.Seq != uint64(i+1) || b.First != uint64(i*per) || string(b.Prev) != string(prev) {
			t.Errorf("batch %d: seq %d first %d, prev checkpoint linked %v; want seq %d first %d linked",
				i+1, b.Seq, b.First, string(b.Prev) == string(prev), i+1, i*per)
		}
		prev = b.Checkpoint
	}
}

// wait returns the next value of ch; it fails the test when nothing comes
// for a long time, which means the exporter is stuck.
func wait(t *testing.T, ch <-chan uint64) uint64 {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatal("the exporter made no progress")
		return 0
	}
}

// TestRoundPublishesOnlyCosigned: the checkpoint committed for a batch is
// the one the cosigning hook returned, and a round whose cosigning fails
// commits and sends nothing.
func TestRoundPublishesOnlyCosigned(t *testing.T) {
	signer, err := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA65P256, nil)
	if err != nil {
		t.Fatal(err)
	}
	key, err := checkpoint.HybridKey("test", string(hybrid.SuiteMLDSA65P256), signer.Public().Bytes())
	if err != nil {
		t.Fatal(err)
	}
	nodeKey := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	fail := true
	cosign := func(ctx context.Context, note []byte) ([]byte, error) {
		if fail {
			return nil, errors.New("no quorum")
		}
		return checkpoint.Cosign(note, "node-1", nodeKey, time.Now())
	}
	snd := &gatedSender{gate: make(chan struct{}), got: make(chan uint64, 4)}
	close(snd.gate)
	cur := &memCursor{t: t, sent: snd.count, maxUnsent: 4, advanced: make(chan uint64, 4)}
	e := export.New(export.Config{Link: "l", Origin: checkpoint.OriginFor("l"), Key: key, MaxEntries: 100, Cosign: cosign},
		newLedger(t, 10), cur, signer, snd, releaseAll{}, nil)
	if _, err := e.Round(context.Background()); err == nil || !strings.Contains(err.Error(), "no quorum") {
		t.Fatalf("round with failed cosigning: %v, want the cosigning error", err)
	}
	if len(cur.recs) != 0 || snd.count() != 0 {
		t.Fatalf("failed cosigning left %d records and %d sent batches, want none", len(cur.recs), snd.count())
	}
	fail = false
	if _, err := e.Round(context.Background()); err != nil {
		t.Fatal(err)
	}
	q := checkpoint.Quorum{Keys: []checkpoint.CosignerKey{{Name: "node-1", Public: nodeKey.Public().(ed25519.PublicKey)}}, Required: 1}
	if _, err := q.Check(cur.recs[0].Checkpoint); err != nil {
		t.Errorf("committed checkpoint: %v", err)
	}
	b, err := batch.Parse(snd.batches[0], batch.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Check(b.Checkpoint); err != nil {
		t.Errorf("sent batch's checkpoint: %v", err)
	}
}
