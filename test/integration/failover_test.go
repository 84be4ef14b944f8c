//go:build integration

package integration

import (
	"context"
	"testing"
	"time"

	firmwareconfig "bastion/firmware-config"
	"bastion/test/appliance"
)

// TestApplianceSurvivesLeaderCrash kills the leader (SIGKILL) halfway
// through a replay. The other two nodes elect a new leader, whose exporter
// resends what the old one had committed but perhaps not sent; the replay
// resubmits the chunk it was sending with the same ids. In the end the
// guard holds the high side's root, every recorded entry is archived at
// its index, and nothing is recorded twice.
func TestApplianceSurvivesLeaderCrash(t *testing.T) {
	data := dataDir(t)
	cfg, err := firmwareconfig.Parse("appliance.toml", firmwareconfig.Default)
	must(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()

	in, err := appliance.LoadInput(data, 3000)
	must(t, err)
	a := startAppliance(ctx, t, appliance.Options{Bin: bins(t), State: t.TempDir(), Data: data, Config: cfg})

	// First half, then the crash, then the rest.
	half := &appliance.Input{Orders: in.Orders, Payments: in.Payments[:len(in.Payments)/2]}
	rest := &appliance.Input{Payments: in.Payments[len(in.Payments)/2:], FIX: in.FIX}
	var tally appliance.Tally
	must(t, a.Replay(ctx, half, &tally))
	leader, st, err := a.Leader(ctx)
	must(t, err)
	must(t, a.KillNode(leader))
	t.Logf("killed %s at ledger size %d", st.NodeID, st.LedgerSize)
	must(t, a.Replay(ctx, rest, &tally))

	st, head, err := a.WaitExported(ctx, 3*time.Minute)
	must(t, err)
	sum, err := a.Summarise(st, head, &tally, in)
	must(t, err)
	if st.NodeID == a.Layout.Nodes[leader].ID {
		t.Fatalf("the killed node %s still leads", st.NodeID)
	}
	if sum.HighRoot != sum.LowRoot || head.Size != st.LedgerSize {
		t.Errorf("high side %d entries root %s, guard %d entries root %s",
			st.LedgerSize, sum.HighRoot, head.Size, sum.LowRoot)
	}
	if sum.Gaps != 0 || sum.BatchesAccepted != sum.BatchesSent {
		t.Errorf("batches sent %d, accepted %d, gaps %d", sum.BatchesSent, sum.BatchesAccepted, sum.Gaps)
	}
	recorded := tally.Recorded()
	if uint64(len(recorded)) > st.LedgerSize {
		t.Errorf("%d distinct ids recorded but the ledger holds %d entries", len(recorded), st.LedgerSize)
	}
	archived := archivedEntries(t, a.Layout.ExportDir())
	ids := map[string]bool{}
	for idx, e := range archived {
		if ids[e.ID] {
			t.Errorf("id %s archived twice (again at index %d)", e.ID, idx)
		}
		ids[e.ID] = true
	}
	for id, idx := range recorded {
		if e, ok := archived[idx]; !ok || e.ID != id {
			t.Errorf("entry %s (index %d) is not in the archive at its index", id, idx)
		}
	}
}
