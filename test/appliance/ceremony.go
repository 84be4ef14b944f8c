package appliance

import (
	"context"
	"fmt"

	"bastion/high-side/hsm"
	"bastion/high-side/node/peertls"
	"bastion/shared/entry"
)

// CeremonyActor is the subject that records the key ceremony transcript:
// the chief compliance officer of the built-in clearance registry.
const CeremonyActor = "cco"

// recordCeremony reads the transcript of the ceremony in the HSM directory
// and records it through the leader's gateway as CeremonyActor, and counts
// its distinct ids in a.ceremonyEntries. Every step must be accepted (a
// resent step, as a duplicate); anything else is an error naming the step.
func (a *Appliance) recordCeremony(ctx context.Context) (int, error) {
	steps, err := hsm.CeremonySteps(a.Layout.HSMDir())
	if err != nil {
		return 0, fmt.Errorf("failed to read the ceremony transcript: %w", err)
	}
	if err := peertls.IssueClientCert(a.Layout.PKIDir(), CeremonyActor); err != nil {
		return 0, fmt.Errorf("failed to issue the %s client's certificate: %w", CeremonyActor, err)
	}
	client, err := NewClient(a.Layout.PKIDir(), CeremonyActor)
	if err != nil {
		return 0, err
	}
	i, _, err := a.Leader(ctx)
	if err != nil {
		return 0, err
	}
	recs, err := client.Submit(ctx, a.Gateway(i), "ceremony", steps)
	if err != nil {
		return 0, fmt.Errorf("failed to record the ceremony transcript: %w", err)
	}
	if len(recs) != len(steps) {
		return 0, fmt.Errorf("ceremony transcript of %d steps got %d receipts", len(steps), len(recs))
	}
	ids := map[string]bool{}
	for k, r := range recs {
		if r.Error != "" || r.Outcome != entry.Accept {
			return 0, fmt.Errorf("ceremony step %d (%s) refused: outcome %q, reasons %v, error %q",
				k, steps[k].Step, r.Outcome, r.Reasons, r.Error)
		}
		ids[r.ID] = true
	}
	a.ceremonyEntries = len(ids)
	return len(steps), nil
}
