package monitor

import (
	"fmt"
	"testing"
	"time"

	"bastion/high-side/intake"
	"bastion/shared/entry"

	"github.com/google/go-cmp/cmp"
)

func TestDecidePayment(t *testing.T) {
	min := time.Minute
	// history commits n payments from "a" to payees named by to(i).
	history := func(n int, amount string, to func(int) string, step time.Duration) func(*Monitor) {
		return func(m *Monitor) {
			for i := range n {
				at := t0.Add(-time.Duration(n-i) * step)
				commitPayment(m, payment(fmt.Sprintf("h%d", i), "a", to(i), amount, "0", "payment"), at)
			}
		}
	}
	same := func(int) string { return "shop" }
	each := func(i int) string { return fmt.Sprintf("payee-%d", i) }
	tests := []struct {
		name    string
		edit    func(*Config)
		setup   func(*Monitor)
		p       intake.Payment
		want    entry.Outcome
		reasons []string
	}{
		{name: "missing payee", p: payment("p", "a", "", "1", "0", "transfer"), want: entry.Reject,
			reasons: []string{entry.ReasonMalformedRequest}},
		{name: "negative amount", p: payment("p", "a", "b", "-1", "0", "transfer"), want: entry.Reject,
			reasons: []string{entry.ReasonMalformedRequest}},
		{name: "absurd exponent", p: payment("p", "a", "b", "1e9999", "0", "transfer"), want: entry.Reject,
			reasons: []string{entry.ReasonMalformedRequest}},
		{name: "ordinary", p: payment("p", "a", "b", "120.00", "5000", "transfer"), want: entry.Accept},
		{name: "drain", p: payment("p", "a", "b", "181311.00", "181311.00", "transfer"), want: entry.Review,
			reasons: []string{entry.ReasonAccountDrain}},
		{name: "drain at ratio", p: payment("p", "a", "b", "900", "1000", "cash_out"), want: entry.Review,
			reasons: []string{entry.ReasonAccountDrain}},
		{name: "just under ratio", p: payment("p", "a", "b", "899.99", "1000", "cash_out"), want: entry.Accept},
		{name: "drain kind not covered", p: payment("p", "a", "b", "1000", "1000", "payment"), want: entry.Accept},
		{name: "balance unknown", p: payment("p", "a", "b", "1000", "0", "transfer"), want: entry.Accept},
		{name: "overdraft is not a drain", p: payment("p", "a", "b", "1500", "1000", "transfer"), want: entry.Accept},
		{name: "frozen payer", setup: func(m *Monitor) { m.SetFrozen("a", true) },
			p: payment("p", "a", "b", "1", "0", "payment"), want: entry.Reject, reasons: []string{entry.ReasonFrozenAccount}},
		{name: "frozen payee from pack", edit: func(c *Config) { c.Accounts = map[string]AccountConfig{"b": {Frozen: true}} },
			p: payment("p", "a", "b", "1", "0", "payment"), want: entry.Reject, reasons: []string{entry.ReasonFrozenAccount}},
		{name: "velocity", setup: history(10, "20", same, min),
			p: payment("p", "a", "shop", "20", "0", "payment"), want: entry.Review, reasons: []string{entry.ReasonVelocity}},
		{name: "velocity counts zero amounts", setup: history(10, "0", same, min),
			p: payment("p", "a", "shop", "0", "0", "payment"), want: entry.Review,
			reasons: []string{entry.ReasonVelocity, entry.ReasonRuleError}}, // and the mean of zeros
		{name: "velocity outside window", setup: history(10, "20", same, 10*min),
			p: payment("p", "a", "shop", "20", "0", "payment"), want: entry.Accept},
		{name: "amount far above history", setup: history(5, "100", same, time.Hour),
			p: payment("p", "a", "shop", "1000.01", "0", "payment"), want: entry.Review, reasons: []string{entry.ReasonAmountAnomaly}},
		{name: "amount at factor", setup: history(5, "100", same, time.Hour),
			p: payment("p", "a", "shop", "1000", "0", "payment"), want: entry.Accept},
		{name: "zero-mean history errors", setup: history(5, "0", same, time.Hour),
			p: payment("p", "a", "shop", "5", "0", "payment"), want: entry.Review, reasons: []string{entry.ReasonRuleError}},
		{name: "large to new counterparty", setup: history(3, "40000", same, time.Hour),
			p: payment("p", "a", "stranger", "50000", "0", "payment"), want: entry.Review, reasons: []string{entry.ReasonNewCounterparty}},
		{name: "large to known counterparty", setup: history(3, "40000", same, time.Hour),
			p: payment("p", "a", "shop", "50000", "0", "payment"), want: entry.Accept},
		{name: "structuring", setup: history(2, "9500", same, time.Hour),
			p: payment("p", "a", "shop", "9900", "0", "cash_in"), want: entry.Review, reasons: []string{entry.ReasonStructuring}},
		{name: "at threshold is not structuring", setup: history(2, "9500", same, time.Hour),
			p: payment("p", "a", "shop", "10000", "0", "cash_in"), want: entry.Accept},
		{name: "fan-out", setup: history(10, "10", each, min),
			p: payment("p", "a", "payee-new", "10", "0", "payment"), want: entry.Review, reasons: []string{entry.ReasonVelocity, entry.ReasonFanOut}},
		{name: "fan-out under limit", setup: history(9, "10", each, 5*min),
			p: payment("p", "a", "payee-3", "10", "0", "payment"), want: entry.Accept},
		{name: "fan-in", setup: func(m *Monitor) {
			for i := range 10 {
				commitPayment(m, payment(fmt.Sprintf("h%d", i), fmt.Sprintf("src-%d", i), "mule", "10", "0", "transfer"), t0.Add(-time.Hour))
			}
		}, p: payment("p", "src-x", "mule", "10", "0", "transfer"), want: entry.Review, reasons: []string{entry.ReasonFanIn}},
		{name: "cycle", setup: func(m *Monitor) {
			commitPayment(m, payment("h1", "a", "b", "500", "0", "transfer"), t0.Add(-3*time.Hour))
			commitPayment(m, payment("h2", "b", "c", "490", "0", "transfer"), t0.Add(-2*time.Hour))
		}, p: payment("p", "c", "a", "480", "0", "transfer"), want: entry.Review, reasons: []string{entry.ReasonCycle}},
		{name: "cycle too deep", edit: func(c *Config) { c.Payments.Cycle.MaxDepth = 1 }, setup: func(m *Monitor) {
			commitPayment(m, payment("h1", "a", "b", "500", "0", "transfer"), t0.Add(-3*time.Hour))
			commitPayment(m, payment("h2", "b", "c", "490", "0", "transfer"), t0.Add(-2*time.Hour))
		}, p: payment("p", "c", "a", "480", "0", "transfer"), want: entry.Accept},
		{name: "self payment", p: payment("p", "a", "a", "1", "0", "transfer"), want: entry.Review, reasons: []string{entry.ReasonCycle}},
		{name: "rejected payments leave no history", setup: func(m *Monitor) {
			m.SetFrozen("a", true)
			for i := range 12 {
				commitPayment(m, payment(fmt.Sprintf("h%d", i), "a", "shop", "1", "0", "payment"), t0.Add(-min))
			}
			m.SetFrozen("a", false)
		}, p: payment("p", "a", "shop", "1", "0", "payment"), want: entry.Accept},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestMonitor(t, tt.edit)
			if tt.setup != nil {
				tt.setup(m)
			}
			d := m.DecidePayment(tt.p, t0)
			if d.Outcome != tt.want {
				t.Errorf("outcome: got %s, want %s (checks %+v)", d.Outcome, tt.want, d.Checks)
			}
			if diff := cmp.Diff(tt.reasons, d.Reasons); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
			if err := d.Validate(); err != nil {
				t.Errorf("decision does not validate: %v", err)
			}
		})
	}
}

func TestDrainCheckRecordsShare(t *testing.T) {
	m := newTestMonitor(t, nil)
	d := m.DecidePayment(payment("p", "a", "b", "950", "1000", "transfer"), t0)
	c, _ := checkOf(d, "account_drain")
	want := entry.Check{Rule: "account_drain", Result: entry.Alert, Reason: entry.ReasonAccountDrain,
		Observed: "0.95 of balance", Limit: "below 0.9 of balance"}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("check (-want +got):\n%s", diff)
	}
}
