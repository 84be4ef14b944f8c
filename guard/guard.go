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
	failed  chan struct{}
	once    sync.Once
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
	names, err := cfg.NameList()
	if err != nil {
		return nil, err
	}
	release, _ := entry.ParseLabel(cfg.ReleaseLabel) // checked by ParseConfig
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("failed to create state directory: %w", err)
	}
	g := &Guard{trust: trust, limits: cfg.Limits.withDefaults(), logger: orDiscard(logger), failed: make(chan struct{})}
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
		Logger: g.logger, Metrics: g.metrics})
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

// Submit runs one batch through the pipeline; see Pipeline.Submit.
func (g *Guard) Submit(seq uint64, raw []byte) (Outcome, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	out, err := g.pipe.Submit(seq, raw)
	g.fail(err)
	return out, err
}

// Batch implements diode.Handler.
func (g *Guard) Batch(seq uint64, payload []byte) {
	out, err := g.Submit(seq, payload)
	g.logger.Debug("batch", slog.Uint64("batch_seq", seq), slog.String("outcome", out.String()),
		slog.Any("error", err))
}

// Event implements diode.Handler: every receiver event becomes a guard log
// line with stage "diode".
func (g *Guard) Event(e diode.Event) {
	g.metrics.event(e.Kind.String())
	g.event("diode", e.String(), e.First)
}

// event writes one event line.
func (g *Guard) event(stage, reason string, batchSeq uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fail(g.pipe.Event(stage, reason, batchSeq))
}

// fail closes Failed on the first storage error.
func (g *Guard) fail(err error) {
	if err != nil && errors.Is(err, ErrStopped) {
		g.once.Do(func() { close(g.failed) })
	}
}

// Failed is closed when the pipeline stopped on a storage failure; the
// process should then exit.
func (g *Guard) Failed() <-chan struct{} { return g.failed }

// Head returns the archive head.
func (g *Guard) Head() archive.Head {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pipe.Head()
}

// Close closes the archive and the guard log.
func (g *Guard) Close() error {
	var errs []error
	if g.log != nil {
		errs = append(errs, g.log.Close())
	}
	if g.arch != nil {
		errs = append(errs, g.arch.Close())
	}
	return errors.Join(errs...)
}
