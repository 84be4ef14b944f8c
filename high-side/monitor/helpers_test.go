package monitor

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"bastion/high-side/intake"
	"bastion/shared/entry"

	"github.com/shopspring/decimal"
)

// dataDir returns $BASTION_DATA or the shared data next to the repository,
// skipping the test when it is missing (failing under CI=true).
func dataDir(t testing.TB, sub string) string {
	t.Helper()
	root := os.Getenv("BASTION_DATA")
	if root == "" {
		root = filepath.Join("..", "..", "..", "shared", "data")
	}
	p := filepath.Join(root, sub)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("test data missing: %v", err)
		}
		t.Skipf("test data missing (set BASTION_DATA): %v", err)
	}
	return p
}

var t0 = time.Date(2025, 6, 2, 14, 30, 0, 0, time.UTC)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func amt(s string) Amount { return Amount{dec(s)} }

// newTestMonitor returns a monitor on the built-in pack changed by edit.
func newTestMonitor(t testing.TB, edit func(*Config)) *Monitor {
	t.Helper()
	cfg := DefaultConfig()
	if edit != nil {
		edit(&cfg)
	}
	m, err := New(cfg, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

func order(id string, ev entry.OrderEvent, sym string, side entry.Side, qty int64, price string) intake.Order {
	return intake.Order{
		ID: id + "-" + string(ev), OrderID: id, Event: ev, Symbol: sym, Side: side,
		Quantity: qty, Price: dec(price), Trader: "t-1", Account: "acct-1", Source: "api",
	}
}

func payment(id, from, to, amount, balance, kind string) intake.Payment {
	return intake.Payment{
		ID: id, Kind: kind, Amount: dec(amount), Currency: "USD",
		From: from, To: to, FromBalance: dec(balance), Source: "api",
	}
}

// commitOrder decides and observes an order, as the leader and the state
// machine would, and returns the decision.
func commitOrder(m *Monitor, o intake.Order, at time.Time) entry.Decision {
	d := m.DecideOrder(o, at)
	m.ObserveOrder(o, d, at)
	return d
}

func commitPayment(m *Monitor, p intake.Payment, at time.Time) entry.Decision {
	d := m.DecidePayment(p, at)
	m.ObservePayment(p, d, at)
	return d
}

// checkOf returns the check of the named rule.
func checkOf(d entry.Decision, rule string) (entry.Check, bool) {
	for _, c := range d.Checks {
		if c.Rule == rule {
			return c, true
		}
	}
	return entry.Check{}, false
}
