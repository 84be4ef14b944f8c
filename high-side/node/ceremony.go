package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"bastion/high-side/intake"
	"bastion/shared/entry"
)

// MaxCeremonySteps bounds the steps of one RecordCeremony call.
const MaxCeremonySteps = 256

// RecordCeremony records a key-ceremony transcript: one ceremony entry per
// step, in order, returning one receipt per step. Writing one needs the
// clearance action "ceremony"; an actor refused gets recorded rejections.
// A step's ID is derived from the step itself (see CeremonyStepID), and the
// step names its ceremony in its key ID and details, so resending a step
// returns the stored receipt with Duplicate set. A malformed step gets a
// receipt with Error set and is not recorded. On a follower it returns a
// *NotLeaderError; it returns an error for more than MaxCeremonySteps.
func (n *Node) RecordCeremony(ctx context.Context, actor string, steps []entry.Ceremony) ([]intake.Receipt, error) {
	if len(steps) > MaxCeremonySteps {
		return nil, fmt.Errorf("ceremony transcript of %d steps, at most %d", len(steps), MaxCeremonySteps)
	}
	ids := make([]string, len(steps))
	for i, s := range steps {
		ids[i] = CeremonyStepID(s)
	}
	return n.submit(ctx, ids, func(i int) (draft, error) {
		return n.draft(entry.TypeCeremony, ids[i], actor, &steps[i], nil, func(time.Time) entry.Decision {
			return entry.Decision{Outcome: entry.Accept}
		})
	})
}

// CeremonyStepID returns the idempotency ID of a ceremony step:
// "ceremony-" and the first 40 hex digits of the SHA-256 of step, key ID
// and details, each followed by NUL. The details of a transcript step
// name the ceremony (see hsm.CeremonySteps), so the ID stands for the
// ceremony and the step.
func CeremonyStepID(s entry.Ceremony) string {
	h := sha256.New()
	for _, f := range []string{s.Step, s.KeyID, s.Details} {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return "ceremony-" + hex.EncodeToString(h.Sum(nil))[:40]
}
