package guard

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"bastion/diode"
	"bastion/guard/archive"
	"bastion/guard/auditlog"
	"bastion/guard/export"
	"bastion/guard/scan"
	"bastion/shared/entry"
)

// File names inside the state directory.
const (
	ArchiveFile = "archive.db"
	LogFile     = "guard.log"
)

// Guard is an open guard: archive, guard log, export directory and
// pipeline. It implements diode.Handler. Its methods are safe for
// concurrent use.
type Guard struct {
	mu      sync.Mutex
	pipe    *Pipeline
	arch    *archive.Archive
	log     *auditlog.Log
	dir     *export.Dir
	trust   *Trust
	limits  Limits
	metrics *Metrics
	logger  *slog.Logger
}

var _ diode.Handler = (*Guard)(nil)

// Open opens the state and export directories named in cfg, publishes the
// high side's key, republishes any archived file missing from the export
// directory and logs the start. reg may be nil (no metrics); logger may be
// nil (silent).
func Open(cfg *Config, reg prometheus.Registerer, logger *slog.Logger) (*Guard, error) {
	trust, err := LoadTrust(cfg.HighSideKeyFile, cfg.Link, cfg.HighSideTransitions...)
	if err != nil {
		return nil, err
	}
	if err := trust.LoadCosigners(cfg.CosignerKeys, cfg.CosignQuorum); err != nil {
		return nil, err
	}
	names, err := cfg.NameList()
	if err != nil {
		return nil, err
	}
	release, _ := entry.ParseLabel(cfg.ReleaseLabel) // checked by ParseConfig
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("failed to create state directory: %w", err)
	}
	g := &Guard{trust: trust, limits: cfg.Limits.withDefaults(), logger: orDiscard(logger)}
	if reg != nil {
		g.metrics = NewMetrics(reg)
	}
	if err := g.open(cfg, release, scan.New(names, cfg.DirtyWords)); err != nil {
		g.Close()
		return nil, err
	}
	return g, nil
}

// open opens the stores and builds the pipeline.
func (g *Guard) open(cfg *Config, release entry.Label, sc *scan.Scanner) error {
	var err error
	if g.arch, err = archive.Open(filepath.Join(cfg.StateDir, ArchiveFile)); err != nil {
		return err
	}
	if g.log, err = auditlog.Open(filepath.Join(cfg.StateDir, LogFile)); err != nil {
		return err
	}
	if g.dir, err = export.Create(cfg.ExportDir); err != nil {
		return err
	}
	if err := g.dir.WriteKey(g.trust.Name, g.trust.Text); err != nil {
		return fmt.Errorf("failed to publish high-side key: %w", err)
	}
	g.pipe, err = NewPipeline(PipelineConfig{Link: cfg.Link, Trust: g.trust, Release: release,
		Scanner: sc, Limits: cfg.Limits, Archive: g.arch, Export: g.dir, Log: g.log,
		Logger: g.logger, Metrics: g.metrics, EvidenceDir: filepath.Join(cfg.StateDir, "evidence")})
	if err != nil {
		return err
	}
	if err := g.republish(); err != nil {
		return err
	}
	h := g.pipe.Head()
	reason := fmt.Sprintf("guard started: %d archived batches, ledger size %d, root %s",
		h.Records, h.Size, h.Root)
	if g.trust.rotated {
		reason += "; high-side keys " + g.trust.Ring.String()
	}
	return g.log.Append(auditlog.Record{BatchSeq: h.Seq, Stage: "guard", Decision: auditlog.Event,
		Reason: reason, LedgerSize: h.Size})
}

// republish writes archived files missing from the export directory (a
// crash between archive commit and publish) and the head files.
func (g *Guard) republish() error {
	head := g.pipe.Head()
	err := g.arch.Walk(func(r *archive.Record) error {
		if _, err := os.Stat(export.Path(g.dir.Root(), fileOf(r))); err == nil && r.Seq != head.Seq {
			return nil
		}
		return publish(g.dir, r, head)
	})
	if err != nil {
		return fmt.Errorf("failed to republish archive: %w", err)
	}
	return nil
}

// Submit runs one batch through the pipeline and waits until it is
// committed; see Pipeline.Submit.
func (g *Guard) Submit(seq uint64, raw []byte) (Outcome, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pipe.Submit(seq, raw)
}

// Enqueue checks one batch now and queues it for the group commit without
// waiting for it; see Pipeline.Enqueue. done may be nil.
func (g *Guard) Enqueue(seq uint64, raw []byte, done func(Outcome, error)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pipe.Enqueue(seq, raw, done)
}

// Sync waits until every batch and event queued before it is committed;
// see Pipeline.Sync.
func (g *Guard) Sync() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pipe.Sync()
}

// Batch implements diode.Handler: the batch is checked at once and
// committed with the batches queued around it.
func (g *Guard) Batch(seq uint64, payload []byte) {
	g.Enqueue(seq, payload, func(out Outcome, err error) {
		g.logger.Debug("batch", slog.Uint64("batch_seq", seq), slog.String("outcome", out.String()),
			slog.Any("error", err))
	})
}

// Event implements diode.Handler: every receiver event becomes a guard log
// line with stage "diode".
func (g *Guard) Event(e diode.Event) {
	g.metrics.event(e.Kind.String())
	g.event("diode", e.String(), e.First)
}

// event queues one event line.
func (g *Guard) event(stage, reason string, batchSeq uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pipe.Event(stage, reason, batchSeq)
}

// Failed is closed when the pipeline stopped on a storage failure; the
// process should then exit.
func (g *Guard) Failed() <-chan struct{} { return g.pipe.Failed() }

// Head returns the archive head as last committed.
func (g *Guard) Head() archive.Head { return g.pipe.Head() }

// Close commits what is queued, then closes the archive and the guard log.
func (g *Guard) Close() error {
	var errs []error
	if g.pipe != nil {
		g.mu.Lock()
		g.pipe.Close()
		g.mu.Unlock()
	}
	if g.log != nil {
		errs = append(errs, g.log.Close())
	}
	if g.arch != nil {
		errs = append(errs, g.arch.Close())
	}
	return errors.Join(errs...)
}
