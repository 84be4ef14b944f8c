package guard

import (
	"errors"
	"fmt"
	"log/slog"
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
}

// Pipeline runs batches through the guard's nine stages in order, writes
// one guard log line per stage decision and keeps the pending buffer. It
// is not safe for concurrent use: the diode handler calls it from one
// goroutine.
type Pipeline struct {
	stages  []stage
	led     *ledger
	arch    *archive.Archive
	dir     *export.Dir
	log     *auditlog.Log
	pending *pending
	logger  *slog.Logger
	metrics *Metrics
	stopped error
}

// NewPipeline builds the pipeline and loads the archive head. It returns
// an error when the archive cannot be read or its last checkpoint does not
// open with cfg.Key.
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
	p := &Pipeline{led: led, arch: cfg.Archive, dir: cfg.Export, log: cfg.Log,
		pending: newPending(lim.PendingBatches, lim.PendingBytes),
		logger:  orDiscard(cfg.Logger), metrics: cfg.Metrics}
	p.stages = []stage{
		&limitsStage{link: cfg.Link, maxBytes: lim.MaxBatchBytes, maxItems: lim.MaxItems, limits: bl},
		&signatureStage{key: cfg.Trust.Key, ring: cfg.Trust.batchRing(), limits: bl},
		&sequenceStage{led: led, arch: cfg.Archive},
		&checkpointStage{led: led, trust: cfg.Trust},
		&leavesStage{led: led},
		&schemaStage{release: cfg.Release},
		&scanStage{scanner: cfg.Scanner},
		&archiveStage{led: led, arch: cfg.Archive, link: cfg.Link},
		&publishStage{led: led, dir: cfg.Export},
	}
	p.metrics.setHead(led.head, 0)
	return p, nil
}

// loadLedger reads the archive head and opens its last checkpoint.
func loadLedger(a *archive.Archive, t *Trust) (*ledger, error) {
	head, tree, err := a.Head()
	if err != nil {
		return nil, err
	}
	led := &ledger{head: head, tree: tree,
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
// pipeline, then any held batches it unblocks. It returns the batch's own
// outcome. The error is non-nil only when the guard log or the archive
// failed: the pipeline then stops and every later call returns ErrStopped.
func (p *Pipeline) Submit(seq uint64, raw []byte) (Outcome, error) {
	if p.stopped != nil {
		return Rejected, p.stopped
	}
	out, err := p.process(seq, raw)
	if err == nil && (out == Accepted || out == Withheld) {
		err = p.drain()
	}
	if err != nil {
		p.stop(err)
	}
	return out, p.stopped
}

// drain submits held batches while the next one is in the buffer.
func (p *Pipeline) drain() error {
	p.pending.dropUpTo(p.led.head.Seq)
	for {
		next := p.led.head.Seq + 1
		raw, ok := p.pending.take(next)
		if !ok {
			p.metrics.setPending(p.pending.len())
			return nil
		}
		if _, err := p.process(next, raw); err != nil {
			return err
		}
		p.pending.dropUpTo(p.led.head.Seq)
	}
}

// Event writes one event line to the guard log.
func (p *Pipeline) Event(stage, reason string, batchSeq uint64) error {
	if p.stopped != nil {
		return p.stopped
	}
	err := p.log.Append(auditlog.Record{BatchSeq: batchSeq, Stage: stage,
		Decision: auditlog.Event, Reason: reason})
	if err != nil {
		p.stop(err)
	}
	return p.stopped
}

// stop fails the pipeline closed.
func (p *Pipeline) stop(err error) {
	if p.stopped == nil {
		p.stopped = errors.Join(ErrStopped, err)
		p.logger.Error("guard pipeline stopped", slog.Any("error", err))
	}
}

// Head returns the archive head as the pipeline last committed it.
func (p *Pipeline) Head() archive.Head { return p.led.head }

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
