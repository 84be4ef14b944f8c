package node

import (
	"testing"
	"time"

	"bastion/high-side/clearance"
	"bastion/high-side/intake"
	"bastion/high-side/monitor"
	"bastion/shared/entry"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

const testRegistry = `
[action.submit-order]
roles = ["trader"]

[action.submit-payment]
roles = ["payments"]

[[subject]]
id = "trader-1"
clearance = "confidential/trading"
roles = ["trader"]
`

// realCluster starts a one-node cluster with the real monitor, labelling
// policy and clearance registry.
func realCluster(t *testing.T, clock func() time.Time) *cluster {
	t.Helper()
	reg, err := clearance.ParseRegistry([]byte(testRegistry), "registry.toml")
	if err != nil {
		t.Fatal(err)
	}
	c := newClusterDeferred(t, 1)
	c.options = func(o Options) Options {
		mon, err := monitor.New(monitor.DefaultConfig(), nil)
		if err != nil {
			t.Fatal(err)
		}
		o.Monitor, o.Labels, o.Clearance, o.Clock = mon, clearance.DefaultPolicy(), reg, clock
		return o
	}
	c.start(0)
	return c
}

// TestRealMonitorRebuiltOnRestart checks that a node which restarts, and so
// rebuilds the real monitor from its ledger, decides a repeated order as a
// node that never stopped does. The leader's clock is fixed so that both
// runs see the same times.
func TestRealMonitorRebuiltOnRestart(t *testing.T) {
	first := order("r-1", "R1", "AAPL")
	first.Trader = "trader-1"
	first.Price = decimal.RequireFromString("585")
	again := first
	again.ID = "r-2"

	decide := func(restart bool) intake.Receipt {
		now := time.Date(2026, 3, 2, 14, 30, 0, 0, time.UTC)
		c := realCluster(t, func() time.Time { now = now.Add(time.Millisecond); return now })
		_, n := c.leader()
		r := submit(t, n, "trader-1", first)[0]
		if r.Error != "" || r.Outcome == entry.Reject {
			t.Fatalf("first order: %+v, want it recorded and not rejected", r)
		}
		if restart {
			c.stop(0)
			c.start(0)
			_, n = c.leader()
		}
		return submit(t, n, "trader-1", again)[0]
	}
	steady, restarted := decide(false), decide(true)
	if diff := cmp.Diff(steady, restarted); diff != "" {
		t.Errorf("decision after restart differs from steady state (-steady +restarted):\n%s", diff)
	}
}

func TestRealClearance(t *testing.T) {
	c := realCluster(t, nil)
	_, n := c.leader()
	p := intake.Payment{ID: "p-1", Kind: "transfer", Amount: decimal.RequireFromString("10.00"),
		Currency: "USD", From: "ACC-1", To: "ACC-2", Source: "api"}
	rs, err := n.SubmitPayments(t.Context(), "trader-1", []intake.Payment{p})
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Outcome != entry.Reject || !cmp.Equal(rs[0].Reasons, []string{entry.ReasonClearance}) {
		t.Errorf("payment by a trader: %+v, want a clearance rejection", rs[0])
	}
	raw, err := n.Ledger().Entry(rs[0].Index)
	if err != nil {
		t.Fatal(err)
	}
	e, err := entry.Parse(raw)
	if err != nil || e.Label.String() != "confidential/payments" {
		t.Errorf("recorded label %v (%v), want confidential/payments from the policy", e, err)
	}
}
