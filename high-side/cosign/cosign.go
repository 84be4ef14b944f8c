// Package cosign makes a high-side node a cosigner of the ledger's
// checkpoints. Every node keeps its own copy of the ledger; before it
// cosigns a checkpoint it recomputes the root at that size from its copy,
// and it signs a larger size only after verifying a consistency proof
// (RFC 6962 §2.1.2) from the last (size, root) it signed, which it keeps on
// disk. A checkpoint that contradicts either raises a fork alarm: the two
// conflicting statements are written to an evidence folder and the request
// is refused.
//
// The exporter on the leader collects cosignatures from the nodes
// (Collector) and publishes a checkpoint only with a quorum of them beside
// the HSM-held hybrid signature.
package cosign

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"bastion/shared/checkpoint"
	"bastion/shared/merkle"
)

// Errors returned by Local.Cosign.
var (
	// ErrFork is returned, after the alarm is raised and the evidence
	// kept, when a checkpoint contradicts this node's ledger or the last
	// checkpoint it cosigned.
	ErrFork = errors.New("fork alarm")
	// ErrStale is returned for a checkpoint smaller than the last one this
	// node cosigned.
	ErrStale = errors.New("checkpoint older than the last one cosigned")
)

// Ledger is the node's own copy of the ledger.
type Ledger interface {
	Size() (uint64, error)
	Root(size uint64) (merkle.Hash, error)
	ConsistencyProof(m, n uint64) ([]merkle.Hash, error)
}

// stateFile keeps the last cosigned checkpoint inside the cosigner's folder.
const stateFile = "cosign-state.json"

// state is the last checkpoint this node cosigned.
type state struct {
	Size uint64      `json:"size"`
	Root merkle.Hash `json:"root"`
	Note []byte      `json:"note"` // the note as it was presented
}

// Local cosigns with one node's key.
type Local struct {
	name   string
	priv   ed25519.PrivateKey
	ledger Ledger
	dir    string
	log    *slog.Logger
	now    func() time.Time

	mu    sync.Mutex
	last  state
	forks atomic.Int64
}

// Open returns the cosigner of node name with key priv over ledger,
// keeping its state and evidence in dir (created 0700). It reads the last
// cosigned checkpoint from dir if there is one.
func Open(dir, name string, priv ed25519.PrivateKey, ledger Ledger, log *slog.Logger) (*Local, error) {
	if !checkpoint.ValidKeyName(name) {
		return nil, fmt.Errorf("invalid cosigner name %q", name)
	}
	if len(priv) != ed25519.PrivateKeySize {
		return nil, errors.New("cosigner key is not an Ed25519 private key")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("failed to create cosigner folder: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &Local{name: name, priv: priv, ledger: ledger, dir: dir, log: log, now: time.Now}
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
		l.last.Root = merkle.EmptyRoot()
	case err != nil:
		return nil, fmt.Errorf("failed to read cosigner state: %w", err)
	default:
		if err := json.Unmarshal(b, &l.last); err != nil {
			return nil, fmt.Errorf("malformed cosigner state %s: %v", filepath.Join(dir, stateFile), err)
		}
	}
	return l, nil
}

// Key returns the cosigner's public key.
func (l *Local) Key() checkpoint.CosignerKey {
	return checkpoint.CosignerKey{Name: l.name, Public: l.priv.Public().(ed25519.PublicKey)}
}

// Forks returns the number of fork alarms raised since Open.
func (l *Local) Forks() int64 { return l.forks.Load() }

// Last returns the size and root of the last checkpoint cosigned.
func (l *Local) Last() (uint64, merkle.Hash) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last.Size, l.last.Root
}

// Cosign returns note with this node's cosignature added, once the local
// ledger has reached the checkpoint's size (it waits until ctx ends for
// that), the root recomputed locally equals the checkpoint's, and the
// checkpoint is consistent with the last one cosigned. It returns ErrFork
// or ErrStale (wrapped) when it refuses, or the error that stopped it.
func (l *Local) Cosign(ctx context.Context, note []byte) ([]byte, error) {
	n, err := checkpoint.ParseNote(note)
	if err != nil {
		return nil, err
	}
	cp, err := checkpoint.Parse(n.Text)
	if err != nil {
		return nil, err
	}
	if err := l.waitFor(ctx, cp.Size); err != nil {
		return nil, err
	}
	own, err := l.ledger.Root(cp.Size)
	if err != nil {
		return nil, fmt.Errorf("failed to compute the root of size %d: %w", cp.Size, err)
	}
	if own != cp.Root {
		return nil, l.alarm(note, nil, fmt.Sprintf("root of size %d is %s here, the checkpoint says %s", cp.Size, own, cp.Root))
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.extend(note, cp); err != nil {
		return nil, err
	}
	return checkpoint.Cosign(note, l.name, l.priv, l.now())
}

// extend checks cp against the last cosigned checkpoint and records it as
// the new last one. l.mu is held.
func (l *Local) extend(note []byte, cp checkpoint.Checkpoint) error {
	switch {
	case cp.Size < l.last.Size:
		return fmt.Errorf("%w: size %d, last cosigned %d", ErrStale, cp.Size, l.last.Size)
	case cp.Size == l.last.Size:
		if cp.Root != l.last.Root {
			return l.alarm(note, l.last.Note, fmt.Sprintf("two roots for size %d: %s cosigned before, %s now", cp.Size, l.last.Root, cp.Root))
		}
		return nil
	}
	proof, err := l.ledger.ConsistencyProof(l.last.Size, cp.Size)
	if err != nil {
		return fmt.Errorf("failed to prove %d to %d: %w", l.last.Size, cp.Size, err)
	}
	if err := merkle.VerifyConsistency(l.last.Size, cp.Size, l.last.Root, cp.Root, proof); err != nil {
		return l.alarm(note, l.last.Note, fmt.Sprintf("size %d is not consistent with the size %d cosigned before: %v", cp.Size, l.last.Size, err))
	}
	next := state{Size: cp.Size, Root: cp.Root, Note: note}
	if err := writeState(l.dir, next); err != nil {
		return err
	}
	l.last = next
	return nil
}

// waitFor returns once the local ledger holds size entries.
func (l *Local) waitFor(ctx context.Context, size uint64) error {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		have, err := l.ledger.Size()
		if err != nil {
			return fmt.Errorf("failed to read the ledger size: %w", err)
		}
		if have >= size {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("ledger at %d of %d entries: %w", have, size, ctx.Err())
		case <-tick.C:
		}
	}
}

// alarm raises a fork alarm: it logs it, keeps the conflicting statements
// as evidence and returns an ErrFork naming what conflicts.
func (l *Local) alarm(note, prior []byte, what string) error {
	l.forks.Add(1)
	path, err := keepEvidence(l.dir, l.now(), what, note, prior)
	if err != nil {
		l.log.Error("failed to keep fork evidence", slog.Any("error", err))
	}
	l.log.Error("fork alarm", slog.String("node", l.name), slog.String("conflict", what), slog.String("evidence", path))
	return fmt.Errorf("%w: %s (evidence %s)", ErrFork, what, path)
}
