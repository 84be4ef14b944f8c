package guard

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"bastion/guard/archive"
	"bastion/guard/auditlog"
	"bastion/guard/export"
	"bastion/guard/scan"
	"bastion/shared/batch"
	"bastion/shared/checkpoint"
	"bastion/shared/entry"
)

// Outcome is what became of one submitted batch.
type Outcome int

// Outcomes of Submit.
const (
	// Accepted: archived and published in full.
	Accepted Outcome = iota + 1
	// Withheld: genuine and in sequence, but its content failed the schema,
	// label or scan stage; archived and published as leaf hashes only.
	Withheld
	// Rejected: failed a limits, signature, sequence, checkpoint or leaves
	// check; nothing changed, a genuine resend can still be accepted.
	Rejected
	// Held: genuine but ahead of a missing batch; kept in the pending buffer.
	Held
	// Repeat: a resend of an archived batch; ignored.
	Repeat
)

var outcomeNames = [...]string{"", "accepted", "withheld", "rejected", "held", "repeat"}

// String returns the outcome's name.
func (o Outcome) String() string {
	if o > 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}

// ErrStopped is returned by Submit and Event once the pipeline stopped on
// a storage failure; the error that stopped it is joined to it.
var ErrStopped = errors.New("guard pipeline stopped")

// PipelineConfig is what NewPipeline needs. Every field but Logger and
// Metrics is required.
type PipelineConfig struct {
	Link    string           // diode link name bound into batches
	Trust   *Trust           // the high side's published key
	Release entry.Label      // highest label that may cross
	Scanner *scan.Scanner    // personal-data and dirty-word scanner
	Limits  Limits           // zero fields take defaults
	Archive *archive.Archive // write-once store
	Export  *export.Dir      // export directory
	Log     *auditlog.Log    // guard log
	Logger  *slog.Logger     // lifecycle and failures; nil: silent
	Metrics *Metrics         // nil: none
	// EvidenceDir receives the two conflicting checkpoints of every fork
	// alarm; empty: the alarm is logged and the batch rejected only.
	EvidenceDir string
}

// Pipeline runs batches through the guard's nine stages in order, writes
// one guard log line per stage decision and keeps the pending buffer.
//
// Stages 1 to 7 run in the caller of Enqueue, against the head after the
// last batch that passed them; the archive and publish stages run in a
// committer goroutine over groups of up to MaxGroup batches, so batch n+1
// is checked while batch n is synced, and a group shares its syncs.
// Nothing of a batch is published before the archive transaction holding
// it returned from its fsync. Enqueue, Submit and Event must be called
// from one goroutine at a time; Head, Failed and Pending are safe
// anywhere.
type Pipeline struct {
	stages  []stage
	led     *ledger // checking stages' head; the caller's goroutine only
	head    *committed
	arch    *archive.Archive
	dir     *export.Dir
	log     *auditlog.Log
	pending *pending
	logger  *slog.Logger
	metrics *Metrics

	queue  chan *candidate
	exited chan struct{}
	closed bool

	mu      sync.Mutex
	stopped error
	failed  chan struct{}
}

// NewPipeline builds the pipeline, loads the archive head and starts the
// committer; Close stops it. It returns an error when the archive cannot
// be read or its last checkpoint does not open with cfg.Key.
func NewPipeline(cfg PipelineConfig) (*Pipeline, error) {
	if cfg.Trust == nil || cfg.Archive == nil || cfg.Export == nil || cfg.Log == nil || cfg.Scanner == nil {
		return nil, errors.New("incomplete pipeline configuration")
	}
	lim := cfg.Limits.withDefaults()
	led, err := loadLedger(cfg.Archive, cfg.Trust)
	if err != nil {
		return nil, err
	}
	bl := batchLimits(lim)
	head := &committed{head: led.head}
	p := &Pipeline{led: led, head: head, arch: cfg.Archive, dir: cfg.Export, log: cfg.Log,
		pending: newPending(lim.PendingBatches, lim.PendingBytes),
		logger:  orDiscard(cfg.Logger), metrics: cfg.Metrics,
		queue: make(chan *candidate, MaxGroup), exited: make(chan struct{}), failed: make(chan struct{})}
	p.stages = []stage{
		&limitsStage{link: cfg.Link, maxBytes: lim.MaxBatchBytes, maxItems: lim.MaxItems, limits: bl},
		&signatureStage{key: cfg.Trust.Key, ring: cfg.Trust.batchRing(), limits: bl},
		&sequenceStage{led: led, arch: cfg.Archive},
		&checkpointStage{led: led, trust: cfg.Trust, evidence: cfg.EvidenceDir, logger: orDiscard(cfg.Logger)},
		&leavesStage{led: led},
		&schemaStage{release: cfg.Release},
		&scanStage{scanner: cfg.Scanner},
		&archiveStage{head: head, arch: cfg.Archive, link: cfg.Link},
		&publishStage{head: head, dir: cfg.Export},
	}
	p.metrics.setHead(led.head, 0)
	go p.commitLoop()
	return p, nil
}

// loadLedger reads the archive head and opens its last checkpoint.
func loadLedger(a *archive.Archive, t *Trust) (*ledger, error) {
	head, tree, err := a.Head()
	if err != nil {
		return nil, err
	}
	led := &ledger{head: head, tree: tree, inflight: map[uint64]span{},
		prev: checkpoint.Checkpoint{Origin: t.Origin, Root: head.Root}}
	if head.Records == 0 {
		return led, nil
	}
	if led.prev, err = t.open(head.Checkpoint); err != nil {
		return nil, fmt.Errorf("failed to open the archive's last checkpoint: %w", err)
	}
	if led.prev.Size != head.Size || led.prev.Root != head.Root || tree.Root() != head.Root {
		return nil, fmt.Errorf("%w: head, tree and last checkpoint disagree", archive.ErrCorrupt)
	}
	return led, nil
}

// Submit runs one batch delivered under diode sequence seq through the
// pipeline, then any held batches it unblocks, and returns once all of
// them are committed. It returns the batch's own outcome. The error is
// non-nil only when the guard log or the archive failed: the pipeline
// then stops and every later call returns ErrStopped.
func (p *Pipeline) Submit(seq uint64, raw []byte) (Outcome, error) {
	var out Outcome
	p.Enqueue(seq, raw, func(o Outcome, _ error) { out = o })
	return out, p.Sync()
}

// Enqueue runs stages 1 to 7 of one batch now and queues it, and any held
// batches it unblocks, for the commit; it blocks while MaxGroup batches
// are queued. done, if not nil, is called from the committer with the
// batch's outcome once its lines are written (and, when accepted or
// withheld, once it is archived and published), or with ErrStopped. done
// runs on the committer goroutine: it must return quickly and must not
// call into the pipeline.
func (p *Pipeline) Enqueue(seq uint64, raw []byte, done func(Outcome, error)) {
	p.enqueue(seq, raw, done)
}

// Sync waits until everything queued before it is committed and returns
// the error that stopped the pipeline, if any.
func (p *Pipeline) Sync() error {
	ch := make(chan error, 1)
	p.send(&candidate{done: func(_ Outcome, err error) { ch <- err }})
	if err := <-ch; err != nil {
		return err
	}
	return p.err()
}

// Event queues one event line for the guard log, in order with the
// batches' lines. It returns the error that stopped the pipeline, if any.
func (p *Pipeline) Event(stage, reason string, batchSeq uint64) error {
	p.send(&candidate{recs: []auditlog.Record{{BatchSeq: batchSeq, Stage: stage,
		Decision: auditlog.Event, Reason: reason}}})
	return p.err()
}

// Failed is closed when the pipeline stopped on a storage failure.
func (p *Pipeline) Failed() <-chan struct{} { return p.failed }

// Close commits what is queued and stops the committer. Later calls
// conclude every batch with ErrStopped at once.
func (p *Pipeline) Close() {
	if p.closed {
		return
	}
	p.closed = true
	close(p.queue)
	<-p.exited
}

// Head returns the archive head as the pipeline last committed it.
func (p *Pipeline) Head() archive.Head { return p.head.get() }

// Pending returns the number of held batches.
func (p *Pipeline) Pending() int { return p.pending.len() }

// batchLimits maps the guard's limits to the batch parser's.
func batchLimits(l Limits) batch.Limits {
	return batch.Limits{MaxSize: l.MaxBatchBytes, MaxItems: l.MaxItems}
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

var now = time.Now
