package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"bastion/high-side/intake"
	"bastion/high-side/monitor"
	"bastion/high-side/node/fsm"
	"bastion/shared/entry"
)

// RulePackKey is the configuration key of the rule-pack entries: a config
// entry {key: "rulepack", version, digest: SHA-256 of the signed pack}
// announces every switch.
const RulePackKey = "rulepack"

// PackSwitcher is a Monitor that can change rule packs; *monitor.Monitor
// implements it. A node whose monitor does not refuses PushRulePack.
type PackSwitcher interface {
	SwitchPack(cfg monitor.Config) error
	RulePackConfig() monitor.Config
}

// rulePacks is what a node knows of the rule-pack switches in its log.
// mu is held by PushRulePack from before proposing a switch until its
// index is registered, so the monitor is never fed past a switch it does
// not know of.
type rulePacks struct {
	mu sync.Mutex
	at map[uint64]bool // ledger indexes of switches
}

// PushRulePack puts a signed rule pack in force on every node: the leader
// verifies the signature with Options.PackKey, validates the pack for
// replication (CheckPack) and refuses a version that is not newer
// (fsm.ComparePackVersions) than the pack in force, then commits a Raft
// command that records a config entry and the pack. Every node's monitor
// switches to the pack at that entry's ledger index, live and when it
// replays the ledger; decisions after it carry the new version.
//
// The actor needs the clearance action "configure"; a refused actor gets
// a recorded rejection and nothing changes. Pushing the version in force
// again returns its stored receipt with Duplicate set. Errors wrap
// ErrNoRulePackKey, ErrBadRulePack, ErrUntrustedRulePackKey or
// fsm.ErrStaleRulePack; on a follower it is a *NotLeaderError.
func (n *Node) PushRulePack(ctx context.Context, actor string, signed []byte) (intake.Receipt, error) {
	sw, cfg, err := n.verifyPack(signed)
	if err != nil {
		return intake.Receipt{}, err
	}
	if err := n.writable(ctx); err != nil {
		return intake.Receipt{}, err
	}
	id := "rulepack-" + cfg.Version
	if r, ok, err := n.Receipt(ctx, id); err != nil || ok {
		r.Duplicate = ok
		return r, err
	}

	r, err := n.proposePack(sw, actor, id, cfg.Version, signed)
	if err == nil {
		n.waitObserved(ctx, r.Index)
	}
	return r, err
}

// proposePack commits the switch, or the refusal of an actor the
// clearance policy refuses, one push at a time, checked against the pack
// in force, and registers the switch's index.
func (n *Node) proposePack(sw PackSwitcher, actor, id, version string, signed []byte) (intake.Receipt, error) {
	n.packs.mu.Lock()
	defer n.packs.mu.Unlock()
	if err := n.checkNewer(sw, version); err != nil {
		return intake.Receipt{}, err
	}
	sum := sha256.Sum256(signed)
	body := entry.Config{Key: RulePackKey, Version: version, Digest: hex.EncodeToString(sum[:])}
	d, err := n.draft(entry.TypeConfig, id, actor, body, nil, func(time.Time) entry.Decision {
		return entry.Decision{Outcome: entry.Accept, RulePack: version}
	})
	if err != nil {
		return intake.Receipt{ID: id, Error: err.Error()}, fmt.Errorf("malformed rule pack entry: %w", err)
	}
	var cmd fsm.Command = &fsm.Append{Items: []fsm.Item{d.item}}
	if d.receipt.Outcome == entry.Accept {
		cmd = &fsm.RulePack{Version: version, Pack: signed, Item: d.item}
	}
	r, err := n.commitPack(d, cmd)
	if err == nil && d.receipt.Outcome == entry.Accept {
		n.packs.register(r.Index)
		n.logger.Info("rule pack committed", slog.String("id", r.ID), slog.Uint64("index", r.Index))
	}
	return r, err
}

// verifyPack parses and verifies a signed pack.
func (n *Node) verifyPack(signed []byte) (PackSwitcher, monitor.Config, error) {
	sw, ok := n.opts.Monitor.(PackSwitcher)
	if !ok {
		return nil, monitor.Config{}, errors.New("this node's monitor cannot switch rule packs")
	}
	if n.opts.PackKey == nil {
		return nil, monitor.Config{}, ErrNoRulePackKey
	}
	p, err := ParseSignedPack(signed)
	if err != nil {
		return nil, monitor.Config{}, err
	}
	cfg, err := p.Verify(n.opts.PackKey)
	return sw, cfg, err
}

// checkNewer refuses a version not newer than the pack in force: the last
// one committed, else the one the monitor started with.
func (n *Node) checkNewer(sw PackSwitcher, version string) error {
	cur, ok, err := n.fsm.CurrentRulePack()
	if err != nil {
		return err
	}
	inForce := cur.Version
	if !ok {
		inForce = sw.RulePackConfig().Version
	}
	if fsm.ComparePackVersions(version, inForce) <= 0 {
		return fmt.Errorf("%w: %q, in force %q", fsm.ErrStaleRulePack, version, inForce)
	}
	return nil
}

// commitPack applies cmd and returns the receipt of d.
func (n *Node) commitPack(d draft, cmd fsm.Command) (intake.Receipt, error) {
	resp, err := n.apply(fsm.Encode(cmd))
	if err != nil {
		return intake.Receipt{}, err
	}
	ar, ok := resp.(*fsm.AppendResult)
	if !ok || len(ar.Results) != 1 {
		return intake.Receipt{}, fmt.Errorf("unexpected state machine response %T", resp)
	}
	return receiptFor(d, ar.Results[0])
}

// register adds a switch index. The caller holds p.mu.
func (p *rulePacks) register(index uint64) {
	if p.at == nil {
		p.at = map[uint64]bool{}
	}
	p.at[index] = true
}

// RulePack returns the version of the rule pack committed last and the
// ledger index from which it is in force; ok is false while no pack was
// ever pushed (the monitor's own pack is in force).
func (n *Node) RulePack() (version string, index uint64, ok bool, err error) {
	p, ok, err := n.fsm.CurrentRulePack()
	return p.Version, p.Index, ok, err
}

// switchPackAt switches the monitor when the entry at index, just fed to
// it, is a rule-pack switch. The leader calls it for every entry it feeds
// the monitor, in order; a replay starts at index 0, which reloads the
// switch indexes from the state file. A failure is logged: the pack was
// validated before it was committed.
func (n *Node) switchPackAt(index uint64) {
	n.packs.mu.Lock()
	defer n.packs.mu.Unlock()
	if index == 0 || n.packs.at == nil {
		n.reloadPackIndexes()
	}
	if !n.packs.at[index] {
		return
	}
	if err := n.switchPack(index); err != nil {
		n.logger.Error("failed to switch rule pack", slog.Uint64("index", index), slog.Any("error", err))
	}
}

// reloadPackIndexes reads the switch indexes. The caller holds n.packs.mu.
func (n *Node) reloadPackIndexes() {
	idx, err := n.fsm.RulePackIndexes()
	if err != nil {
		n.logger.Error("failed to read rule pack switches", slog.Any("error", err))
	}
	n.packs.at = make(map[uint64]bool, len(idx))
	for _, i := range idx {
		n.packs.at[i] = true
	}
}

// switchPack puts the pack committed at index in force in the monitor.
func (n *Node) switchPack(index uint64) error {
	rec, ok, err := n.fsm.RulePackAt(index)
	if err != nil || !ok {
		return fmt.Errorf("no rule pack stored at %d: %v", index, err)
	}
	p, err := ParseSignedPack(rec.Pack)
	if err != nil {
		return err
	}
	cfg, err := CheckPack(p.Pack)
	if err != nil {
		return err
	}
	sw, ok := n.opts.Monitor.(PackSwitcher)
	if !ok {
		return errors.New("the monitor cannot switch rule packs")
	}
	if err := sw.SwitchPack(cfg); err != nil {
		return err
	}
	n.logger.Info("rule pack in force", slog.String("rule_pack", cfg.Version), slog.Uint64("index", index))
	return nil
}

// RulePackRefused reports whether err, from PushRulePack, refuses the
// pack itself: a bad or untrusted signature, an invalid pack or a version
// not newer than the pack in force.
func (n *Node) RulePackRefused(err error) bool {
	return errors.Is(err, ErrBadRulePack) || errors.Is(err, ErrUntrustedRulePackKey) ||
		errors.Is(err, fsm.ErrStaleRulePack) || errors.Is(err, ErrNoRulePackKey)
}
