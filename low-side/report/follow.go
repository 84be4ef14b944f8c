package report

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Snapshot is the set of reports as of one refresh of the export
// directory. A Snapshot is never modified once published.
type Snapshot struct {
	Dates   []string          // UTC dates with entries, ascending
	Reports map[string]*Daily // by date, and AllDates once a batch is read
	Batches []uint64          // sequences of the batches read, ascending
	Missing []Range           // batch sequences absent below the highest read
	Err     error             // why the last refresh stopped early, or nil
	Built   time.Time         // when the snapshot was made
}

// Export follows an export directory and keeps the reports current. Its
// methods are safe for concurrent use.
type Export struct {
	dir ExportDir
	log *slog.Logger

	mu      sync.Mutex // serialises Refresh
	builder *Builder
	leaves  *Leaves
	read    []uint64
	snap    atomic.Pointer[Snapshot]
}

// NewExport returns an Export over dir that has read nothing yet. A nil
// logger discards.
func NewExport(dir ExportDir, log *slog.Logger) *Export {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Export{dir: dir, log: log, builder: NewBuilder(), leaves: &Leaves{}}
	e.snap.Store(&Snapshot{Reports: map[string]*Daily{}})
	return e
}

// Leaves returns the leaf hash store of what was read. A rebuild replaces
// it, so callers should ask again rather than keep it.
func (e *Export) Leaves() *Leaves {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.leaves
}

// Snapshot returns the reports as of the last refresh.
func (e *Export) Snapshot() *Snapshot { return e.snap.Load() }

// Refresh reads the batches that appeared since the last call. Batches
// newer than all read so far are added to the running reports; a batch
// that fills an earlier gap makes Refresh rebuild from the first batch.
// It reports whether a new snapshot was published. On an unreadable batch
// it stops there, publishes what it read with the error in Snapshot.Err,
// and returns the error; the next call tries that batch again.
func (e *Export) Refresh() (bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	seqs, err := e.dir.BatchSeqs()
	if err != nil {
		return false, err
	}
	fresh, rebuild := e.newSeqs(seqs)
	if rebuild {
		e.log.Info("rebuilding reports", slog.Int("batches", len(seqs)))
		e.builder, e.leaves, e.read, fresh = NewBuilder(), &Leaves{}, nil, seqs
	}
	if len(fresh) == 0 && e.snap.Load().Err == nil {
		return false, nil
	}
	err = e.addAll(fresh)
	e.publish(err)
	return true, err
}

// newSeqs returns the sequences not yet read, and whether they cannot be
// appended to what was read (a filled gap or a removed file).
func (e *Export) newSeqs(seqs []uint64) ([]uint64, bool) {
	if len(seqs) < len(e.read) || !slices.Equal(seqs[:len(e.read)], e.read) {
		return nil, true
	}
	return seqs[len(e.read):], false
}

func (e *Export) addAll(seqs []uint64) error {
	for _, seq := range seqs {
		b, err := e.dir.ReadBatch(seq)
		if err == nil {
			err = e.builder.Add(b)
		}
		if err != nil {
			return err
		}
		e.leaves.add(b)
		e.read = append(e.read, seq)
	}
	return nil
}

// publish stores a new snapshot of the builder's reports.
func (e *Export) publish(err error) {
	s := &Snapshot{
		Dates: e.builder.Dates(), Reports: map[string]*Daily{},
		Batches: slices.Clone(e.read), Missing: missing(e.read), Err: err, Built: time.Now().UTC(),
	}
	for _, d := range append(s.Dates, AllDates) {
		if r, ok := e.builder.Report(d); ok {
			s.Reports[d] = r
		}
	}
	e.snap.Store(s)
}

// missing returns the ranges of sequences from 1 to the last of seqs that
// seqs lacks.
func missing(seqs []uint64) []Range {
	out := []Range{}
	next := uint64(1)
	for _, s := range seqs {
		if s > next {
			out = append(out, Range{First: next, Last: s - 1})
		}
		next = s + 1
	}
	return out
}

// Follow refreshes every interval (one second when interval is not
// positive) until ctx is done, calling onChange (when not nil) after each
// refresh that published a snapshot. A refresh that stops short is retried
// on the next tick; its error is logged once per distinct message, and
// the recovery once.
func (e *Export) Follow(ctx context.Context, interval time.Duration, onChange func(*Snapshot)) {
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	var lastErr string
	for {
		changed, err := e.Refresh()
		switch {
		case err != nil && err.Error() != lastErr:
			e.log.WarnContext(ctx, "export read paused, retrying", slog.String("error", err.Error()),
				slog.Duration("every", interval))
		case err == nil && lastErr != "":
			e.log.InfoContext(ctx, "export read resumed")
		}
		lastErr = ""
		if err != nil {
			lastErr = err.Error()
		}
		if changed && onChange != nil {
			onChange(e.Snapshot())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
