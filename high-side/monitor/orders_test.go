package monitor

import (
	"testing"
	"time"

	"bastion/high-side/intake"
	"bastion/shared/entry"

	"github.com/google/go-cmp/cmp"
)

func TestDecideOrder(t *testing.T) {
	aapl := func(id string, qty int64, price string) intake.Order {
		return order(id, entry.OrderNew, "AAPL", entry.Buy, qty, price)
	}
	sec := time.Second
	tests := []struct {
		name    string
		edit    func(*Config)
		setup   func(*Monitor)
		o       intake.Order
		want    entry.Outcome
		reasons []string
	}{
		{name: "clean", o: aapl("o1", 100, "585.10"), want: entry.Accept},
		{name: "restricted", edit: func(c *Config) { c.Orders.Restricted.Symbols = []string{"SNOW"} },
			o: order("o1", entry.OrderNew, "SNOW", entry.Buy, 10, "150"), want: entry.Reject,
			reasons: []string{entry.ReasonRestrictedList}},
		{name: "watch", edit: func(c *Config) { c.Orders.Watch.Symbols = []string{"AAPL"} },
			o: aapl("o1", 10, "585"), want: entry.Review, reasons: []string{entry.ReasonWatchList}},
		{name: "notional over trader limit", o: aapl("o1", 10_000, "585"), want: entry.Reject,
			reasons: []string{entry.ReasonNotionalLimit}},
		{name: "trader override raises notional limit",
			edit: func(c *Config) { c.Traders = map[string]TraderConfig{"t-1": {Notional: amt("6000000")}} },
			o:    aapl("o1", 10_000, "585"), want: entry.Accept},
		{name: "order size", edit: func(c *Config) { c.Orders.Collar.Reference["PENNY"] = amt("1") },
			o: order("o1", entry.OrderNew, "PENNY", entry.Buy, 150_000, "1"), want: entry.Reject,
			reasons: []string{entry.ReasonOrderSize}},
		{name: "collar above", o: aapl("o1", 10, "700"), want: entry.Reject, reasons: []string{entry.ReasonPriceCollar}},
		{name: "collar edge inside", o: aapl("o1", 10, "643.50"), want: entry.Accept},
		{name: "collar below last accepted price",
			setup: func(m *Monitor) { commitOrder(m, aapl("o0", 10, "600"), t0.Add(-time.Minute)) },
			o:     aapl("o1", 10, "535"), want: entry.Reject, reasons: []string{entry.ReasonPriceCollar}},
		{name: "no reference passes collar", o: order("o1", entry.OrderNew, "MSFT", entry.Sell, 10, "400"), want: entry.Accept},
		{name: "trader halted", setup: func(m *Monitor) { m.SetHalted(ScopeTrader, "t-1", true) },
			o: aapl("o1", 10, "585"), want: entry.Reject, reasons: []string{entry.ReasonKillSwitch}},
		{name: "firm halted", edit: func(c *Config) {
			c.Traders = map[string]TraderConfig{"t-1": {Firm: "firm-a"}}
			c.Firms = map[string]FirmConfig{"firm-a": {Halted: true}}
		}, o: aapl("o1", 10, "585"), want: entry.Reject, reasons: []string{entry.ReasonKillSwitch}},
		{name: "halted trader may still cancel", setup: func(m *Monitor) {
			commitOrder(m, aapl("o1", 10, "585"), t0.Add(-time.Minute))
			m.SetHalted(ScopeTrader, "t-1", true)
		}, o: order("o1", entry.OrderCancel, "AAPL", entry.Buy, 10, "585"), want: entry.Accept},
		{name: "duplicate within window",
			setup: func(m *Monitor) { commitOrder(m, aapl("o0", 10, "585.00"), t0.Add(-sec)) },
			o:     aapl("o1", 10, "585"), want: entry.Review, reasons: []string{entry.ReasonDuplicateOrder}},
		{name: "same order after the window",
			setup: func(m *Monitor) { commitOrder(m, aapl("o0", 10, "585"), t0.Add(-3*sec)) },
			o:     aapl("o1", 10, "585"), want: entry.Accept},
		{name: "order id and event seen",
			setup: func(m *Monitor) { commitOrder(m, aapl("o1", 10, "585"), t0.Add(-time.Hour)) },
			o:     aapl("o1", 20, "586"), want: entry.Reject, reasons: []string{entry.ReasonDuplicateOrder}},
		{name: "cancel of unknown order", o: order("nope", entry.OrderCancel, "AAPL", entry.Buy, 10, "585"),
			want: entry.Review, reasons: []string{entry.ReasonUnknownOrder}},
		{name: "credit limit", edit: func(c *Config) { c.Accounts = map[string]AccountConfig{"acct-1": {Credit: amt("1000000")}} },
			setup: func(m *Monitor) { commitOrder(m, aapl("o0", 1500, "585"), t0.Add(-time.Minute)) },
			o:     aapl("o1", 300, "586"), want: entry.Reject, reasons: []string{entry.ReasonCreditLimit}},
		{name: "credit released by cancel", edit: func(c *Config) { c.Accounts = map[string]AccountConfig{"acct-1": {Credit: amt("1000000")}} },
			setup: func(m *Monitor) {
				commitOrder(m, aapl("o0", 1500, "585"), t0.Add(-time.Minute))
				commitOrder(m, order("o0", entry.OrderCancel, "AAPL", entry.Buy, 1500, "585"), t0.Add(-sec*30))
			},
			o: aapl("o1", 300, "586"), want: entry.Accept},
		{name: "credit released by execution", edit: func(c *Config) { c.Accounts = map[string]AccountConfig{"acct-1": {Credit: amt("1000000")}} },
			setup: func(m *Monitor) {
				commitOrder(m, aapl("o0", 1500, "585"), t0.Add(-time.Minute))
				commitOrder(m, order("o0", entry.OrderExecute, "AAPL", entry.Buy, 1000, "585"), t0.Add(-sec*30))
			},
			o: aapl("o1", 300, "586"), want: entry.Accept},
		{name: "modify replaces its own notional", edit: func(c *Config) { c.Accounts = map[string]AccountConfig{"acct-1": {Credit: amt("1000000")}} },
			setup: func(m *Monitor) { commitOrder(m, aapl("o0", 1500, "585"), t0.Add(-time.Minute)) },
			o:     order("o0", entry.OrderModify, "AAPL", entry.Buy, 1600, "585"), want: entry.Accept},
		{name: "capital limit per firm", edit: func(c *Config) {
			c.Traders = map[string]TraderConfig{"t-1": {Firm: "firm-a"}, "t-2": {Firm: "firm-a"}}
			c.Firms = map[string]FirmConfig{"firm-a": {Capital: amt("3000000")}}
		}, setup: func(m *Monitor) {
			o := aapl("o0", 5000, "585")
			o.Trader, o.Account = "t-2", "acct-2"
			commitOrder(m, o, t0.Add(-time.Minute))
		}, o: aapl("o1", 200, "585"), want: entry.Reject, reasons: []string{entry.ReasonCapitalLimit}},
		{name: "market order valued at reference", o: aapl("o1", 10_000, "0"), want: entry.Reject,
			reasons: []string{entry.ReasonNotionalLimit}},
		{name: "market order without reference errors", o: order("o1", entry.OrderNew, "MSFT", entry.Buy, 10, "0"),
			want: entry.Review, reasons: []string{entry.ReasonRuleError}},
		{name: "unknown event", o: order("o1", "amend", "AAPL", entry.Buy, 10, "585"),
			want: entry.Reject, reasons: []string{entry.ReasonMalformedRequest}},
		{name: "negative quantity", o: aapl("o1", -5, "585"),
			want: entry.Reject, reasons: []string{entry.ReasonMalformedRequest}},
		{name: "reject outranks review", edit: func(c *Config) {
			c.Orders.Watch.Symbols = []string{"AAPL"}
			c.Orders.Restricted.Symbols = []string{"AAPL"}
		}, o: aapl("o1", 10, "585"), want: entry.Reject, reasons: []string{entry.ReasonRestrictedList, entry.ReasonWatchList}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestMonitor(t, tt.edit)
			if tt.setup != nil {
				tt.setup(m)
			}
			d := m.DecideOrder(tt.o, t0)
			if d.Outcome != tt.want {
				t.Errorf("outcome: got %s, want %s (checks %+v)", d.Outcome, tt.want, d.Checks)
			}
			if diff := cmp.Diff(tt.reasons, d.Reasons); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
			if err := d.Validate(); err != nil {
				t.Errorf("decision does not validate: %v", err)
			}
			if d.RulePack != "builtin-2025.1" {
				t.Errorf("rule pack: got %q", d.RulePack)
			}
		})
	}
}

// TestOrderChecksRecordValues pins what one check records: rule, result,
// reason, observed value and limit.
func TestOrderChecksRecordValues(t *testing.T) {
	m := newTestMonitor(t, nil)
	d := m.DecideOrder(order("o1", entry.OrderNew, "AAPL", entry.Buy, 10_000, "585"), t0)
	want := []entry.Check{
		{Rule: "well_formed", Result: entry.Pass, Observed: "ok", Limit: "well formed"},
		{Rule: "kill_switch", Result: entry.Pass, Observed: "active", Limit: "not halted"},
		{Rule: "restricted_list", Result: entry.Pass, Observed: "AAPL", Limit: "not listed"},
		{Rule: "watch_list", Result: entry.Pass, Observed: "AAPL", Limit: "not listed"},
		{Rule: "duplicate_id", Result: entry.Pass, Observed: "o1 new", Limit: "once"},
		{Rule: "duplicate_order", Result: entry.Pass, Observed: "none", Limit: "none within 2s"},
		{Rule: "order_size", Result: entry.Pass, Observed: "10000", Limit: "100000"},
		{Rule: "price_collar", Result: entry.Pass, Observed: "585 vs reference 585 (0%)", Limit: "10%"},
		{Rule: "notional_limit", Result: entry.Fail, Reason: entry.ReasonNotionalLimit, Observed: "5850000", Limit: "5000000"},
		{Rule: "credit_limit", Result: entry.Pass, Observed: "5850000", Limit: "20000000"},
		{Rule: "capital_limit", Result: entry.Pass, Observed: "5850000", Limit: "250000000"},
	}
	if diff := cmp.Diff(want, d.Checks); diff != "" {
		t.Errorf("checks (-want +got):\n%s", diff)
	}
}

// TestRuleErrorStillDecides replays REPLAY M2: a rule that cannot be
// evaluated is recorded as errored, and the other rules still decide.
func TestRuleErrorStillDecides(t *testing.T) {
	m := newTestMonitor(t, func(c *Config) { c.Orders.Restricted.Symbols = []string{"MSFT"} })
	d := m.DecideOrder(order("o1", entry.OrderNew, "MSFT", entry.Buy, 10, "0"), t0)
	if d.Outcome != entry.Reject {
		t.Errorf("outcome: got %s, want reject from the restricted list", d.Outcome)
	}
	c, ok := checkOf(d, "notional_limit")
	if !ok || c.Result != entry.Errored || c.Reason != entry.ReasonRuleError {
		t.Errorf("notional_limit: got %+v, want errored with %s", c, entry.ReasonRuleError)
	}
	if got, want := len(d.Checks), 11; got != want {
		t.Errorf("checks: got %d, want %d (every rule recorded)", got, want)
	}

	// A panicking rule is contained the same way.
	v := newVerdict("p")
	v.run("boom", Reject, entry.ReasonVelocity, func() finding { var mp map[string]int; mp["x"]++; return finding{} })
	v.run("fine", Reject, entry.ReasonVelocity, func() finding { return finding{observed: "1"} })
	if v.d.Outcome != entry.Review || v.d.Checks[0].Result != entry.Errored || v.d.Checks[1].Result != entry.Pass {
		t.Errorf("got %+v, want review with boom errored and fine passed", v.d)
	}
}

// TestRuleTablesMatchActions guards the parallel tables of rules and
// configured actions.
func TestRuleTablesMatchActions(t *testing.T) {
	c := DefaultConfig()
	if got, want := len(orderActions(&c.Orders)), len(orderRules); got != want {
		t.Errorf("order actions: got %d, want %d", got, want)
	}
	if got, want := len(paymentActions(&c.Payments)), len(paymentRules); got != want {
		t.Errorf("payment actions: got %d, want %d", got, want)
	}
	m := newTestMonitor(t, func(c *Config) { c.Orders.Collar.Action = Off; c.Payments.Cycle.Action = Off })
	if _, ok := checkOf(m.DecideOrder(order("o", entry.OrderNew, "AAPL", entry.Buy, 1, "585"), t0), "price_collar"); ok {
		t.Error("price_collar ran while off")
	}
	if _, ok := checkOf(m.DecidePayment(payment("p", "a", "b", "1", "0", "transfer"), t0), "cycle"); ok {
		t.Error("cycle ran while off")
	}
}
