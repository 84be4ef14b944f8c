package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"bastion/high-side/intake"
	"bastion/high-side/node/fsm"
	"bastion/shared/entry"
)

// RecordConfig records a configuration or rule-pack change: a config entry
// naming key, version and the SHA-256 of content, and the content itself
// as the key's new value (see ConfigValue). Its ID is
// "config-KEY-VERSION", so recording the same version again returns the
// stored receipt with Duplicate set and leaves the value alone. An actor
// refused by the clearance policy gets a recorded rejection and the value
// does not change. Content is at most 1 MiB.
func (n *Node) RecordConfig(ctx context.Context, actor, key, version string, content []byte) (intake.Receipt, error) {
	if len(content) > fsm.MaxContent {
		return intake.Receipt{}, fmt.Errorf("configuration content of %d bytes, at most %d", len(content), fsm.MaxContent)
	}
	if err := n.writable(ctx); err != nil {
		return intake.Receipt{}, err
	}
	id := "config-" + key + "-" + version
	if r, ok, err := n.Receipt(ctx, id); err != nil || ok {
		r.Duplicate = ok
		return r, err
	}

	// Draft the entry; only an accepted change carries the new value.
	sum := sha256.Sum256(content)
	body := entry.Config{Key: key, Version: version, Digest: hex.EncodeToString(sum[:])}
	d, err := n.draft(entry.TypeConfig, id, actor, body, nil, func(time.Time) entry.Decision {
		return entry.Decision{Outcome: entry.Accept}
	})
	if err != nil {
		return intake.Receipt{ID: id, Error: err.Error()}, fmt.Errorf("malformed configuration change: %w", err)
	}
	var cmd fsm.Command = &fsm.Append{Items: []fsm.Item{d.item}}
	if d.receipt.Outcome == entry.Accept {
		cmd = &fsm.ConfigChange{Key: key, Content: content, Item: d.item}
	}

	// Commit it and wait until the monitor has seen it.
	resp, err := n.apply(fsm.Encode(cmd))
	if err != nil {
		return intake.Receipt{}, err
	}
	ar, ok := resp.(*fsm.AppendResult)
	if !ok || len(ar.Results) != 1 {
		return intake.Receipt{}, fmt.Errorf("unexpected state machine response %T", resp)
	}
	r, err := receiptFor(d, ar.Results[0])
	if err == nil {
		n.waitObserved(ctx, r.Index)
	}
	return r, err
}

// ConfigValue returns the current value of a configuration key as this
// node has applied it.
func (n *Node) ConfigValue(key string) ([]byte, bool, error) { return n.fsm.Config(key) }
