// Package export moves committed ledger entries to the low side.
//
// The exporter runs on the Raft leader only. Each round it takes the entries
// committed since the last export, signs a checkpoint covering them, records
// the new cursor through Raft, and only then builds the signed batch and
// hands it to the diode. Because the cursor (batch sequence, ledger range,
// signed checkpoint) is committed before anything is sent, a new leader
// resumes exactly where the old one stopped: it rebuilds and resends the
// most recent batches from its own copy of the ledger, so the low side sees
// neither a gap nor a second, different batch under one sequence number.
//
// Entries whose label the release filter does not allow cross as leaf
// hashes only: the low side can still recompute the Merkle root.
package export

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"bastion/shared/batch"
	"bastion/shared/checkpoint"
	"bastion/shared/entry"
	"bastion/shared/merkle"
)

// Ledger is the read side of the Merkle ledger the exporter needs.
type Ledger interface {
	Size() (uint64, error)
	Entry(index uint64) ([]byte, error)
	LeafHash(index uint64) (merkle.Hash, error)
	Root(size uint64) (merkle.Hash, error)
	ConsistencyProof(m, n uint64) ([]merkle.Hash, error)
}

// Record is one exported batch as the replicated state remembers it: the
// sequence, the ledger range [First, Size) and the signed checkpoint of
// size Size.
type Record struct {
	Seq        uint64 `json:"seq"`
	First      uint64 `json:"first"`
	Size       uint64 `json:"size"`
	Checkpoint []byte `json:"checkpoint"`
}

// Cursor is the replicated export position of one link.
type Cursor interface {
	// Last returns the newest committed record, or a zero Record and false
	// before the first export.
	Last(link string) (Record, bool, error)
	// Get returns the committed record of seq.
	Get(link string, seq uint64) (Record, bool, error)
	// Advance commits rec through Raft; it returns once rec is applied.
	Advance(ctx context.Context, link string, rec Record) error
}

// Sender delivers a signed batch one way.
type Sender interface {
	Send(ctx context.Context, seq uint64, batch []byte) error
}

// Releaser decides which labels may cross in full.
type Releaser interface {
	Releasable(l entry.Label) bool
}

// Config configures an Exporter.
type Config struct {
	// Link names the diode link; it is bound into every batch.
	Link string
	// Origin is the checkpoint origin line.
	Origin string
	// Key is the signed-note key of the checkpoint signer.
	Key checkpoint.Key
	// Interval is the longest an entry waits before a batch covers it.
	Interval time.Duration
	// MaxEntries bounds the entries in one batch.
	MaxEntries int
	// Resend is how many of the newest committed batches a new leader sends
	// again when it takes over (default 4).
	Resend int
	// Cosign, when set, adds the cluster nodes' cosignatures to each
	// signed checkpoint (cosign.Collector.Collect). A checkpoint is
	// committed and published only once it returns a note with a quorum;
	// an error fails the round, which is tried again.
	Cosign func(ctx context.Context, note []byte) ([]byte, error)
}

// Exporter cuts, signs and sends batches. Run it only while leader.
type Exporter struct {
	cfg    Config
	ledger Ledger
	cursor Cursor
	signer checkpoint.Signer
	batchS batch.Signer
	sender Sender
	filter Releaser
	log    *slog.Logger
	notify chan struct{}
}

// New returns an exporter. signer signs checkpoints and batches.
func New(cfg Config, l Ledger, c Cursor, signer Signer, s Sender, f Releaser, log *slog.Logger) *Exporter {
	if cfg.Interval <= 0 {
		cfg.Interval = 250 * time.Millisecond
	}
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = 4096
	}
	if cfg.Resend <= 0 {
		cfg.Resend = 4
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Exporter{cfg: cfg, ledger: l, cursor: c, signer: signer, batchS: signer,
		sender: s, filter: f, log: log, notify: make(chan struct{}, 1)}
}

// Signer signs checkpoints and batches (the hybrid HSM signer).
type Signer interface {
	Sign(msg, ctx []byte) ([]byte, error)
}

// Notify tells the exporter that new entries were applied. It never blocks.
func (e *Exporter) Notify() {
	select {
	case e.notify <- struct{}{}:
	default:
	}
}

// Run exports until ctx ends: first the resend of recent batches, then a
// round whenever entries were applied, at most Interval after they were.
//
// Building, signing and sending a batch run on a second goroutine, in
// sequence order, so that the next checkpoint is signed and committed
// while the last batch is still on the wire. At most Resend batches are
// ever committed and not yet sent, so a leader that stops leaves none that
// its successor's resend of recent batches does not cover.
func (e *Exporter) Run(ctx context.Context) error {
	if err := e.resendRecent(ctx); err != nil {
		e.log.WarnContext(ctx, "resend of recent batches failed", slog.Any("error", err))
	}
	deliver, stop := e.pipeline(ctx)
	defer stop()

	tick := time.NewTicker(e.cfg.Interval)
	defer tick.Stop()
	for {
		if err := e.drain(ctx, deliver); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			e.log.ErrorContext(ctx, "export round failed", slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		case <-e.notify:
			// Let a few more entries gather unless the interval is short.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(e.cfg.Interval / 4):
			}
		}
	}
}

// outgoing is a committed record whose batch is still to be sent, with
// the checkpoint of the record before it.
type outgoing struct {
	rec  Record
	prev []byte
}

// pipeline starts the send goroutine and returns what queues a record for
// it and what stops it. One batch is sent while up to Resend-2 wait and
// one more round is committed; with Resend below 2 batches are sent
// within the round.
func (e *Exporter) pipeline(ctx context.Context) (deliverFunc, func()) {
	if e.cfg.Resend < 2 {
		return e.send, func() {}
	}
	queue := make(chan outgoing, e.cfg.Resend-2)
	done := make(chan struct{})
	go e.sendLoop(ctx, queue, done)
	enqueue := func(ctx context.Context, rec Record, prev []byte) error {
		select {
		case queue <- outgoing{rec: rec, prev: prev}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return enqueue, func() { close(queue); <-done }
}

// sendLoop builds and sends the queued batches in order until the queue is
// closed. A batch that fails is logged and left to the resend of recent
// batches by the next leader or term, as when a leader stops between
// committing and sending.
func (e *Exporter) sendLoop(ctx context.Context, queue <-chan outgoing, done chan<- struct{}) {
	defer close(done)
	for o := range queue {
		if ctx.Err() != nil {
			continue
		}
		if err := e.send(ctx, o.rec, o.prev); err != nil && ctx.Err() == nil {
			e.log.ErrorContext(ctx, "export round failed", slog.Any("error", err))
		}
	}
}

// drain exports rounds until the cursor reaches the ledger's size, handing
// each committed record to deliver.
func (e *Exporter) drain(ctx context.Context, deliver deliverFunc) error {
	for {
		more, err := e.round(ctx, deliver)
		if err != nil || !more {
			return err
		}
	}
}

// deliverFunc sends, or queues for sending, the batch of a committed
// record whose predecessor's checkpoint is prev.
type deliverFunc func(ctx context.Context, rec Record, prev []byte) error

// Round exports at most one batch and returns once it is sent. It reports
// whether entries remain.
func (e *Exporter) Round(ctx context.Context) (more bool, err error) {
	return e.round(ctx, e.send)
}

// round signs and commits the next record and hands it to deliver.
func (e *Exporter) round(ctx context.Context, deliver deliverFunc) (more bool, err error) {
	last, _, err := e.cursor.Last(e.cfg.Link)
	if err != nil {
		return false, fmt.Errorf("failed to read export cursor: %w", err)
	}
	size, err := e.ledger.Size()
	if err != nil {
		return false, fmt.Errorf("failed to read ledger size: %w", err)
	}
	if size <= last.Size {
		return false, nil
	}
	end := min(size, last.Size+uint64(e.cfg.MaxEntries))

	// Sign the checkpoint and commit the cursor before anything is sent.
	note, err := e.signCheckpoint(end)
	if err != nil {
		return false, err
	}
	if e.cfg.Cosign != nil {
		if note, err = e.cfg.Cosign(ctx, note); err != nil {
			return false, fmt.Errorf("failed to cosign checkpoint of size %d: %w", end, err)
		}
	}
	rec := Record{Seq: last.Seq + 1, First: last.Size, Size: end, Checkpoint: note}
	if err := e.cursor.Advance(ctx, e.cfg.Link, rec); err != nil {
		return false, fmt.Errorf("failed to commit export cursor: %w", err)
	}

	// Build the batch from the committed record and send it.
	if err := deliver(ctx, rec, last.Checkpoint); err != nil {
		return false, err
	}
	return end < size, nil
}

func (e *Exporter) signCheckpoint(size uint64) ([]byte, error) {
	root, err := e.ledger.Root(size)
	if err != nil {
		return nil, fmt.Errorf("failed to compute root of size %d: %w", size, err)
	}
	cp := checkpoint.Checkpoint{Origin: e.cfg.Origin, Size: size, Root: root}
	note, err := checkpoint.Sign(cp, e.cfg.Key, e.signer)
	if err != nil {
		return nil, fmt.Errorf("failed to sign checkpoint of size %d: %w", size, err)
	}
	return note, nil
}

// send builds the batch of rec, whose predecessor's checkpoint is prev.
func (e *Exporter) send(ctx context.Context, rec Record, prev []byte) error {
	raw, err := e.Build(rec, prev)
	if err != nil {
		return err
	}
	if err := e.sender.Send(ctx, rec.Seq, raw); err != nil {
		return fmt.Errorf("failed to send batch %d: %w", rec.Seq, err)
	}
	e.log.DebugContext(ctx, "batch sent", slog.Uint64("seq", rec.Seq),
		slog.Uint64("first", rec.First), slog.Uint64("size", rec.Size), slog.Int("bytes", len(raw)))
	return nil
}

// Build returns the signed batch of rec. Releasable entries go in full,
// the others as leaf hashes.
func (e *Exporter) Build(rec Record, prev []byte) ([]byte, error) {
	proof, err := e.ledger.ConsistencyProof(rec.First, rec.Size)
	if err != nil {
		return nil, fmt.Errorf("failed to prove %d to %d: %w", rec.First, rec.Size, err)
	}
	b := &batch.Batch{Link: e.cfg.Link, Seq: rec.Seq, First: rec.First,
		Prev: prev, Checkpoint: rec.Checkpoint, Proof: proof,
		Items: make([]batch.Item, 0, rec.Size-rec.First)}
	if err := e.items(rec.First, rec.Size, func(it batch.Item) { b.Items = append(b.Items, it) }); err != nil {
		return nil, err
	}
	raw, err := b.Sign(e.batchS)
	if err != nil {
		return nil, fmt.Errorf("failed to sign batch %d: %w", rec.Seq, err)
	}
	return raw, nil
}

func (e *Exporter) item(i uint64) (batch.Item, error) {
	data, err := e.ledger.Entry(i)
	if err != nil {
		return batch.Item{}, fmt.Errorf("failed to read entry %d: %w", i, err)
	}
	if e.releasable(data) {
		return batch.Item{Entry: data}, nil
	}
	h, err := e.ledger.LeafHash(i)
	if err != nil {
		return batch.Item{}, fmt.Errorf("failed to read leaf hash %d: %w", i, err)
	}
	return batch.Item{Hash: h}, nil
}

// RangeLedger is a Ledger that can read a run of entries and leaf hashes
// in one pass; the exporter uses it when the ledger offers it.
type RangeLedger interface {
	Range(first, end uint64, fn func(index uint64, entry []byte, leaf merkle.Hash) error) error
}

// items passes the batch items of [first, end) to add in order.
func (e *Exporter) items(first, end uint64, add func(batch.Item)) error {
	if rl, ok := e.ledger.(RangeLedger); ok {
		err := rl.Range(first, end, func(_ uint64, data []byte, leaf merkle.Hash) error {
			if e.releasable(data) {
				add(batch.Item{Entry: bytes.Clone(data)})
			} else {
				add(batch.Item{Hash: leaf})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("failed to read entries %d to %d: %w", first, end, err)
		}
		return nil
	}
	for i := first; i < end; i++ {
		it, err := e.item(i)
		if err != nil {
			return err
		}
		add(it)
	}
	return nil
}

// releasable reports whether the entry may cross the diode in full. An
// entry whose label cannot be read goes as its leaf hash only.
func (e *Exporter) releasable(data []byte) bool {
	l, err := entry.PeekLabel(data)
	return err == nil && e.filter.Releasable(l)
}

// resendRecent sends the newest committed batches again, rebuilt from the
// ledger. A leader that committed a cursor but died before sending leaves
// that batch to its successor this way.
func (e *Exporter) resendRecent(ctx context.Context) error {
	last, ok, err := e.cursor.Last(e.cfg.Link)
	if err != nil || !ok {
		return err
	}
	from := uint64(1)
	if last.Seq > uint64(e.cfg.Resend) {
		from = last.Seq - uint64(e.cfg.Resend) + 1
	}
	var prev []byte
	if from > 1 {
		p, ok, err := e.cursor.Get(e.cfg.Link, from-1)
		if err != nil || !ok {
			return errors.Join(err, fmt.Errorf("export record %d missing", from-1))
		}
		prev = p.Checkpoint
	}
	for seq := from; seq <= last.Seq; seq++ {
		rec, ok, err := e.cursor.Get(e.cfg.Link, seq)
		if err != nil || !ok {
			return errors.Join(err, fmt.Errorf("export record %d missing", seq))
		}
		if err := e.send(ctx, rec, prev); err != nil {
			return err
		}
		prev = rec.Checkpoint
	}
	return nil
}
