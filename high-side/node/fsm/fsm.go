// Package fsm is the replicated state machine of a high-side node.
//
// It applies committed Raft commands deterministically to one bbolt file
// per node: the Merkle ledger's buckets and the node's own (applied index,
// idempotency receipts, export cursors, configuration values). A Raft batch
// of many logs is applied in one write transaction, so the file is synced
// once per batch. The applied index is stored in the same transaction; on
// restart Raft replays its log from the last snapshot and the state machine
// skips what the file already holds, so the file never needs restoring
// from a snapshot of itself.
//
// A command that fails validation changes nothing and its error value is
// the Apply response; the other commands of the batch still apply.
package fsm

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"bastion/high-side/ledger"

	"github.com/hashicorp/raft"
	"go.etcd.io/bbolt"
)

// Options tune a state machine. The zero value is usable.
type Options struct {
	// Logger receives lifecycle and failure messages; nil is silent.
	Logger *slog.Logger
	// OnAppend, when set, is called with the entries each batch appended,
	// after the batch commits and before LedgerSize reports them. It runs
	// on Raft's apply goroutine and must not block.
	OnAppend func(appended []Appended)
	// OnApply, when set, is called after every applied batch and after a
	// restore, with the ledger's size. It runs on Raft's apply goroutine
	// and must not block.
	OnApply func(ledgerSize uint64)
	// OnHalt, when set, is called once, with the cause, when a write to
	// the state file fails. From then on every command gets ErrHalted.
	OnHalt func(error)
	// CheckEntry validates an item's entry before it is appended: the
	// default is CheckEntryShape; CheckEntry parses the entry in full.
	CheckEntry func(id string, entry []byte) error
	// NoSync skips fsync after each batch. Only for tests that do not
	// measure durability.
	NoSync bool
}

// FSM is the state machine. It implements raft.BatchingFSM. Its read
// methods are safe for concurrent use with Apply.
type FSM struct {
	path   string
	opts   Options
	logger *slog.Logger

	mu     sync.RWMutex // guards db and ledger; Restore holds it to swap them
	db     *bbolt.DB
	ledger *ledger.Ledger

	applied    atomic.Uint64
	ledgerSize atomic.Uint64
	halted     atomic.Pointer[error]
}

var _ raft.BatchingFSM = (*FSM)(nil)

// Open opens (creating if needed) the state file at path and the ledger in
// it. It returns an error when the file cannot be opened or locked, or the
// ledger cannot be opened.
func Open(path string, opts Options) (*FSM, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.CheckEntry == nil {
		opts.CheckEntry = CheckEntryShape
	}
	f := &FSM{path: path, opts: opts, logger: opts.Logger}
	if err := f.load(); err != nil {
		return nil, err
	}
	return f, nil
}

// load opens the file at f.path and the ledger in it, and reads the
// applied index.
func (f *FSM) load() error {
	db, err := bbolt.Open(f.path, 0o600, &bbolt.Options{
		Timeout:         time.Second,
		NoSync:          f.opts.NoSync,
		NoFreelistSync:  true,
		FreelistType:    bbolt.FreelistMapType,
		InitialMmapSize: 1 << 30,
	})
	if err != nil {
		return fmt.Errorf("failed to open state file %s: %w", f.path, err)
	}
	var m metaState
	err = db.Update(func(tx *bbolt.Tx) error {
		m = readMeta(tx)
		return createBuckets(tx)
	})
	if err != nil {
		db.Close()
		return fmt.Errorf("failed to initialise state file %s: %w", f.path, err)
	}
	l, err := ledger.Open(db)
	if err != nil {
		db.Close()
		return fmt.Errorf("failed to open ledger in %s: %w", f.path, err)
	}
	f.db, f.ledger = db, l
	f.applied.Store(m.applied)
	f.ledgerSize.Store(m.ledgerSize)
	return nil
}

// Close closes the state file. Apply must not be called afterwards.
func (f *FSM) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.db == nil {
		return nil
	}
	err := f.db.Close()
	f.db = nil
	return err
}

// AppliedIndex returns the last Raft log index the state file holds.
func (f *FSM) AppliedIndex() uint64 { return f.applied.Load() }

// LedgerSize returns the number of entries in the ledger.
func (f *FSM) LedgerSize() uint64 { return f.ledgerSize.Load() }

// Halted returns the storage failure that halted the state machine, or nil.
func (f *FSM) Halted() error {
	if p := f.halted.Load(); p != nil {
		return *p
	}
	return nil
}

// Apply applies one log; see ApplyBatch.
func (f *FSM) Apply(l *raft.Log) any { return f.ApplyBatch([]*raft.Log{l})[0] }

// ApplyBatch applies logs in one write transaction and returns one
// response per log: *AppendResult for Append and ConfigChange, ExportRecord
// for AdvanceExport, an error value for a command that was rejected, and
// nil for logs that carry no command or that the file already holds.
func (f *FSM) ApplyBatch(logs []*raft.Log) []any {
	out := make([]any, len(logs))
	if len(logs) == 0 {
		return out
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.Halted() != nil {
		return fill(out, ErrHalted)
	}
	last := logs[len(logs)-1].Index
	if last <= f.applied.Load() {
		return out
	}
	cmds := f.decode(logs, out)

	// Apply; a command that fails rolls the transaction back and the batch
	// is applied again without it, so that it leaves no partial write.
	var m metaState
	for {
		err := f.db.Update(func(tx *bbolt.Tx) error {
			m = readMeta(tx)
			if err := f.applyAll(tx, cmds, out, &m); err != nil {
				return err
			}
			if err := f.appendStaged(tx, &m); err != nil {
				return err
			}
			m.applied = last
			return writeMeta(tx, m)
		})
		var ce *commandError
		if errors.As(err, &ce) {
			out[ce.i], cmds[ce.i] = ce.err, nil
			continue
		}
		if err != nil {
			f.halt(err)
			return fill(out, ErrHalted)
		}
		break
	}
	if f.opts.OnAppend != nil && len(m.appended) > 0 {
		f.opts.OnAppend(m.appended)
	}
	f.applied.Store(m.applied)
	f.ledgerSize.Store(m.ledgerSize)
	if f.opts.OnApply != nil {
		f.opts.OnApply(m.ledgerSize)
	}
	return out
}

// decode parses the command logs the file does not yet hold; a log that
// does not decode gets its error in out.
func (f *FSM) decode(logs []*raft.Log, out []any) []Command {
	cmds := make([]Command, len(logs))
	applied := f.applied.Load()
	for i, l := range logs {
		if l.Index <= applied || l.Type != raft.LogCommand {
			continue
		}
		c, err := Decode(l.Data)
		if err != nil {
			out[i] = err
			continue
		}
		cmds[i] = c
	}
	return cmds
}

// commandError carries the failure of command i out of a transaction.
type commandError struct {
	i   int
	err error
}

func (e *commandError) Error() string { return e.err.Error() }

func (f *FSM) applyAll(tx *bbolt.Tx, cmds []Command, out []any, m *metaState) error {
	for i, c := range cmds {
		if c == nil {
			continue
		}
		m.cmd = i
		res, err := f.applyOne(tx, c, m)
		if err != nil {
			return &commandError{i: i, err: err}
		}
		out[i] = res
	}
	return nil
}

func (f *FSM) applyOne(tx *bbolt.Tx, c Command, m *metaState) (any, error) {
	switch c := c.(type) {
	case *Append:
		return f.applyAppend(tx, c.Items, m)
	case *AdvanceExport:
		return applyExport(tx, c, m)
	case *ConfigChange:
		return f.applyConfig(tx, c, m)
	case *Shred:
		return f.applyShred(tx, c, m)
	case *RulePack:
		return f.applyRulePack(tx, c, m)
	}
	return nil, fmt.Errorf("%w: unknown command %T", ErrMalformedCommand, c)
}

func (f *FSM) halt(err error) {
	if !f.halted.CompareAndSwap(nil, &err) {
		return
	}
	f.logger.Error("state machine halted", slog.String("path", f.path), slog.Any("error", err))
	if f.opts.OnHalt != nil {
		f.opts.OnHalt(err)
	}
}

func fill(out []any, v any) []any {
	for i := range out {
		out[i] = v
	}
	return out
}
