package hsm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"bastion/shared/hybrid"
)

// Migration hands signing from a ceremony's key to a new one, typically of
// another suite (crypto agility): it runs a new Ceremony, then signs a
// hybrid.Transition statement with both the old key (on the old tokens)
// and the new key (on the new tokens), and writes it beside the new key as
// keys/<name>.transition. Verifiers build a key ring from the old published
// key and every transition statement (low-side/verify.KeyRing).
//
// The old tokens must be in service: the old key's signature is what makes
// the hand-over trustworthy. A key lost with its tokens is restored by
// Recovery instead, which keeps the published key.
type Migration struct {
	// From is the old ceremony directory, with hsm.toml and its tokens.
	From string
	// New is the new ceremony. With SoftHSM, when the old tokens already
	// use New.Module in this process, the new tokens get instances of
	// their own (Ceremony.Instances): a SoftHSM library instance reads one
	// configuration per process.
	New Ceremony
	// Effective is the ledger size from which the new key signs
	// (hybrid.Transition.Effective).
	Effective uint64
	// Reason says why, for the statement (hybrid.CheckReason).
	Reason string
}

// MigrationResult is what a migration produced; it holds no secret.
type MigrationResult struct {
	*CeremonyResult
	// FromKeyID is the hex key id of the old key.
	FromKeyID string `json:"from_key_id"`
	// Effective is the ledger size from which the new key signs.
	Effective uint64 `json:"effective_size"`
	// TransitionFile is the signed statement, keys/<name>.transition.
	TransitionFile string `json:"transition_file"`
}

// Run performs the migration. logger may be nil. It checks the reason and
// the old ceremony's record and opens its signer before anything is
// created. It returns hybrid.ErrBadTransition, ErrBadCeremonyRecord, the
// errors of Ceremony.Run, Pool.Signer and Open, or a signing error.
func (m Migration) Run(ctx context.Context, logger *slog.Logger) (*MigrationResult, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := hybrid.CheckReason(m.Reason); err != nil {
		return nil, fmt.Errorf("migration: %w", err)
	}
	if m.From == "" {
		return nil, errors.New("migration: the old ceremony directory is required")
	}
	oldPool, oldSigner, rec, err := openCeremonySigner(ctx, m.From, logger)
	if err != nil {
		return nil, fmt.Errorf("migration: old key: %w", err)
	}
	defer oldPool.Close()

	// Run the new ceremony and open its signer.
	if m.New.SoftHSM && !m.New.Instances && m.New.Module != "" && moduleLoaded(m.New.Module) {
		m.New.Instances = true
		logger.InfoContext(ctx, "new tokens get SoftHSM instances of their own",
			slog.String("module", m.New.Module))
	}
	res, err := m.New.Run(ctx, logger)
	if err != nil {
		return nil, fmt.Errorf("migration: %w", err)
	}
	newPool, newSigner, _, err := openCeremonySigner(ctx, m.New.Dir, logger)
	if err != nil {
		return nil, fmt.Errorf("migration: new key: %w", err)
	}
	defer newPool.Close()

	// Both keys sign the statement.
	tr := &hybrid.Transition{
		From:      hybrid.NamedKey{Name: rec.res.KeyName, Key: rec.pub},
		To:        hybrid.NamedKey{Name: res.KeyName, Key: newSigner.Public()},
		Effective: m.Effective,
		Time:      time.Now().UTC().Truncate(time.Second),
		Reason:    m.Reason,
	}
	b, err := hybrid.SignTransition(tr, oldSigner, newSigner)
	if err != nil {
		return nil, fmt.Errorf("migration: %w", err)
	}
	out := &MigrationResult{CeremonyResult: res, FromKeyID: rec.res.KeyID, Effective: m.Effective,
		TransitionFile: filepath.Join(m.New.Dir, "keys", res.KeyName+".transition")}
	if err := writeFile(out.TransitionFile, b, 0o644); err != nil {
		return nil, fmt.Errorf("migration: failed to write transition: %w", err)
	}
	logger.InfoContext(ctx, "migration done", slog.String("from_key_id", rec.res.KeyID),
		slog.String("to_key_id", res.KeyID), slog.Uint64("effective_size", m.Effective))
	return out, nil
}

// openCeremonySigner reads the record of the ceremony directory dir, opens
// its pool from dir/hsm.toml and returns a signer for its key. The caller
// closes the pool.
func openCeremonySigner(ctx context.Context, dir string, logger *slog.Logger) (*Pool, *Signer, *ceremonyRecord, error) {
	rec, err := readCeremonyRecord(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	cfg, err := LoadConfig(filepath.Join(dir, "hsm.toml"))
	if err != nil {
		return nil, nil, nil, err
	}
	p, err := Open(ctx, cfg, logger)
	if err != nil {
		return nil, nil, nil, err
	}
	s, err := p.Signer(rec.res.KeyName, filepath.Join(dir, "keys", rec.res.KeyName+".seal"), rec.pub)
	if err != nil {
		p.Close()
		return nil, nil, nil, err
	}
	return p, s, rec, nil
}
