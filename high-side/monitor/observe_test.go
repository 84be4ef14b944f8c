package monitor

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"bastion/shared/entry"

	"github.com/google/go-cmp/cmp"
)

// TestAlertsIdempotent replays REPLAY M8: one breach raises one alert per
// (transaction, rule), however often the entry is observed.
func TestAlertsIdempotent(t *testing.T) {
	m := newTestMonitor(t, nil)
	p := payment("p1", "a", "b", "1000", "1000", "transfer")
	d := m.DecidePayment(p, t0)
	first := m.ObservePayment(p, d, t0)
	if len(first) != 1 || first[0].Rule != "account_drain" || first[0].TxID != "p1" {
		t.Fatalf("first observation: got %+v, want one account_drain alert for p1", first)
	}
	if again := m.ObservePayment(p, d, t0); len(again) != 0 {
		t.Errorf("second observation: got %d alerts, want 0", len(again))
	}
	// A decision that lists the same rule twice still alerts once.
	d.Checks = append(d.Checks, d.Checks[1])
	p.ID = "p2"
	if got := m.ObservePayment(p, d, t0); len(got) != 1 {
		t.Errorf("repeated check: got %d alerts, want 1", len(got))
	}
}

// TestKeysDoNotCollide replays REPLAY M6: "ab"+"c1" and "a"+"bc1" never
// share state.
func TestKeysDoNotCollide(t *testing.T) {
	m := newTestMonitor(t, nil)
	for i := range 3 {
		commitPayment(m, payment(fmt.Sprintf("h%d", i), "ab", "c1", "100", "0", "payment"), t0.Add(-time.Hour))
	}
	commitPayment(m, payment("x", "a", "bc1", "100", "0", "payment"), t0.Add(-time.Hour))
	commitPayment(m, payment("y", "a", "other", "100", "0", "payment"), t0.Add(-time.Hour))
	commitPayment(m, payment("z", "a", "third", "100", "0", "payment"), t0.Add(-time.Hour))
	d := m.DecidePayment(payment("p", "a", "c1", "60000", "0", "payment"), t0)
	if c, _ := checkOf(d, "new_counterparty"); c.Result != entry.Alert {
		t.Errorf("a -> c1: got %+v, want a new counterparty (only ab paid c1)", c)
	}
	// The same for orders: fingerprints and event keys are structs.
	o1 := order("ab", entry.OrderNew, "AAPL", entry.Buy, 10, "585")
	o1.Trader = "t-1"
	commitOrder(m, o1, t0.Add(-time.Second))
	o2 := order("a", entry.OrderNew, "AAPL", entry.Buy, 10, "585")
	o2.Trader = "t-"
	if d := m.DecideOrder(o2, t0); d.Outcome != entry.Accept {
		t.Errorf("order of trader t-: got %s %v, want accept", d.Outcome, d.Reasons)
	}
}

// TestObserveTwiceInBatch replays REPLAY M4: a batch holding the same id
// twice is applied once, without error.
func TestObserveTwiceInBatch(t *testing.T) {
	m := newTestMonitor(t, func(c *Config) { c.Accounts = map[string]AccountConfig{"acct-1": {Credit: amt("10000")}} })
	o := order("o1", entry.OrderNew, "AAPL", entry.Buy, 10, "585")
	d := m.DecideOrder(o, t0)
	for range 2 {
		m.ObserveOrder(o, d, t0)
	}
	if got, want := m.st.exposure["acct-1"].String(), "5850"; got != want {
		t.Errorf("exposure: got %s, want %s (counted once)", got, want)
	}
	p := payment("p1", "a", "b", "10", "0", "payment")
	dp := m.DecidePayment(p, t0)
	m.ObservePayment(p, dp, t0)
	m.ObservePayment(p, dp, t0)
	if f, _ := m.st.out.peek("a"); f.count() != 1 {
		t.Errorf("history: got %d events, want 1", f.count())
	}
}

// TestRebuildMatchesLive checks that Reset and a replay of the committed
// entries give the same decisions as the state built live.
func TestRebuildMatchesLive(t *testing.T) {
	m := newTestMonitor(t, nil)
	type committed struct {
		id, from, to, amount string
		at                   time.Time
	}
	var log []committed
	for i := range 40 {
		log = append(log, committed{fmt.Sprintf("p%d", i), fmt.Sprintf("acct-%d", i%4),
			fmt.Sprintf("acct-%d", (i*7)%5), fmt.Sprint(100 + i*37), t0.Add(time.Duration(i) * time.Minute)})
	}
	apply := func() []entry.Decision {
		var ds []entry.Decision
		for _, e := range log {
			p := payment(e.id, e.from, e.to, e.amount, "0", "transfer")
			d := m.DecidePayment(p, e.at)
			m.ObservePayment(p, d, e.at)
			ds = append(ds, d)
		}
		return ds
	}
	live := apply()
	probe := payment("probe", "acct-1", "acct-3", "9999", "0", "transfer")
	want := m.DecidePayment(probe, t0.Add(time.Hour))
	m.Reset()
	rebuilt := apply()
	if diff := cmp.Diff(live, rebuilt); diff != "" {
		t.Errorf("decisions differ after rebuild (-live +rebuilt):\n%s", diff)
	}
	if diff := cmp.Diff(want, m.DecidePayment(probe, t0.Add(time.Hour))); diff != "" {
		t.Errorf("probe differs (-live +rebuilt):\n%s", diff)
	}
}

func TestDecideDoesNotChangeState(t *testing.T) {
	m := newTestMonitor(t, nil)
	o := order("o1", entry.OrderNew, "AAPL", entry.Buy, 10, "585")
	for range 3 {
		if d := m.DecideOrder(o, t0); d.Outcome != entry.Accept {
			t.Fatalf("got %s %v, want accept every time", d.Outcome, d.Reasons)
		}
	}
	p := payment("p", "a", "b", "10", "0", "payment")
	for range 20 {
		m.DecidePayment(p, t0)
	}
	if m.st.out.len() != 0 || m.st.orders.len() != 0 {
		t.Errorf("decide changed state: %d accounts, %d orders", m.st.out.len(), m.st.orders.len())
	}
}

// TestStateBounded checks the stated upper bounds hold under load.
func TestStateBounded(t *testing.T) {
	m := newTestMonitor(t, func(c *Config) {
		c.State = StateConfig{MaxOrders: 50, MaxAccounts: 20, MaxKeys: 100, History: 8}
		c.Payments.Velocity.Max, c.Payments.FanOut.Max, c.Payments.FanIn.Max = 5, 5, 5
		c.Payments.History.MinCount, c.Payments.NewCounterparty.MinHistory = 3, 3
	})
	for i := range 1000 {
		commitOrder(m, order(fmt.Sprintf("o%d", i), entry.OrderNew, "AAPL", entry.Buy, 1, "585"), t0.Add(time.Duration(i)*time.Second))
		commitPayment(m, payment(fmt.Sprintf("p%d", i), fmt.Sprintf("a%d", i), "hub", "1", "0", "payment"), t0)
	}
	s := m.st
	for name, got := range map[string]int{"orders": s.orders.len(), "out": s.out.len(), "in": s.in.len(), "txs": s.txs.len(), "events": s.events.len()} {
		limit := map[string]int{"orders": 50, "out": 20, "in": 20, "txs": 100, "events": 100}[name]
		if got > limit {
			t.Errorf("%s: %d keys, bound %d", name, got, limit)
		}
	}
	if f, _ := s.in.peek("hub"); f.count() != 8 {
		t.Errorf("hub history: got %d events, want the ring size 8", f.count())
	}
	// Exposure follows evictions: 50 open orders of 585 each.
	if got, want := s.exposure["acct-1"].String(), "29250"; got != want {
		t.Errorf("exposure after evictions: got %s, want %s", got, want)
	}
}

func TestConcurrentUse(t *testing.T) {
	m := newTestMonitor(t, nil)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				p := payment(fmt.Sprintf("g%d-%d", g, i), fmt.Sprintf("a%d", i%7), fmt.Sprintf("b%d", i%5), "10", "100", "transfer")
				d := m.DecidePayment(p, t0)
				if g%2 == 0 {
					m.ObservePayment(p, d, t0)
				}
			}
		}()
	}
	wg.Wait()
	if got := m.st.txs.len(); got != 400 {
		t.Errorf("observed: got %d, want 400", got)
	}
}
