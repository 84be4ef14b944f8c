package monitor

import (
	"testing"
	"time"

	"bastion/high-side/intake"
	"bastion/high-side/replay"
	"bastion/shared/entry"

	"github.com/google/go-cmp/cmp"
)

// replayWorkload is a monitor on cfg warmed with generated orders and
// payments, and fresh submissions to decide, as the monitor bench
// (test/bench/monitor) runs them.
type replayWorkload struct {
	m        *Monitor
	orders   []intake.Order
	payments []intake.Payment
	now      time.Time
}

func newReplayWorkload(t testing.TB, cfg Config, warm, n int) *replayWorkload {
	t.Helper()
	m, err := New(cfg, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	g := replay.NewGenerator(1)
	var last int64
	for _, o := range g.Orders(warm) {
		at := time.Unix(0, o.Time)
		m.ObserveOrder(o, m.DecideOrder(o, at), at)
		last = max(last, o.Time)
	}
	for _, p := range g.Payments(warm) {
		at := time.Unix(0, p.Time)
		m.ObservePayment(p, m.DecidePayment(p, at), at)
		last = max(last, p.Time)
	}
	fresh := replay.NewGenerator(2)
	return &replayWorkload{m: m, orders: fresh.Orders(n), payments: fresh.Payments(n), now: time.Unix(0, last)}
}

var workloadPacks = []struct {
	name string
	cfg  func() Config
}{
	{"builtin", DefaultConfig},
	{"surveillance", SurveillanceConfig},
}

// TestDecideIntoAllocatesNothing decides the bench's workload into one
// Record and fails if any decision allocates once the record and the
// scratch pool have grown (the first pass).
func TestDecideIntoAllocatesNothing(t *testing.T) {
	for _, pack := range workloadPacks {
		t.Run(pack.name, func(t *testing.T) {
			w := newReplayWorkload(t, pack.cfg(), 3000, 1000)
			var r Record
			orders := testing.AllocsPerRun(1, func() {
				for _, o := range w.orders {
					w.m.DecideOrderInto(o, w.now, &r)
				}
			})
			payments := testing.AllocsPerRun(1, func() {
				for _, p := range w.payments {
					w.m.DecidePaymentInto(p, w.now, &r)
				}
			})
			if orders != 0 || payments != 0 {
				t.Errorf("allocations in %d orders: got %v, want 0; in %d payments: got %v, want 0",
					len(w.orders), orders, len(w.payments), payments)
			}
		})
	}
}

// TestDecideIntoMatchesDecide checks that a decision made into a reused
// Record, and its Clone, equal the decision DecideOrder or DecidePayment
// returns, and that Clone survives the record's reuse.
func TestDecideIntoMatchesDecide(t *testing.T) {
	for _, pack := range workloadPacks {
		t.Run(pack.name, func(t *testing.T) {
			w := newReplayWorkload(t, pack.cfg(), 3000, 500)
			var r Record
			var kept []entry.Decision
			var want []entry.Decision
			for i, o := range w.orders {
				want = append(want, w.m.DecideOrder(o, w.now))
				got := w.m.DecideOrderInto(o, w.now, &r)
				if diff := cmp.Diff(want[len(want)-1], got); diff != "" {
					t.Fatalf("order %d: DecideOrderInto differs from DecideOrder (-want +got):\n%s", i, diff)
				}
				kept = append(kept, r.Clone())
			}
			for i, p := range w.payments {
				want = append(want, w.m.DecidePayment(p, w.now))
				got := w.m.DecidePaymentInto(p, w.now, &r)
				if diff := cmp.Diff(want[len(want)-1], got); diff != "" {
					t.Fatalf("payment %d: DecidePaymentInto differs from DecidePayment (-want +got):\n%s", i, diff)
				}
				kept = append(kept, r.Clone())
			}
			if diff := cmp.Diff(want, kept); diff != "" {
				t.Errorf("clones after reuse differ from the decisions (-want +got):\n%s", diff)
			}
		})
	}
}
