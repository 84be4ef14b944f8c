package records

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.etcd.io/bbolt"

	"bastion/high-side/ledger"
	"bastion/shared/entry"
)

func TestPlanDisposal(t *testing.T) {
	now := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	years := func(y int) time.Time { return now.AddDate(-y, 0, -1) }
	tl := newLedger(t)
	add := func(e *entry.Envelope, ops []entry.Opening) uint64 { return tl.add(t, e, ops) }
	exec7 := add(order(t, "x-7y", entry.OrderExecute, years(7)))          // 0: trade record, due
	exec5 := add(order(t, "x-5y", entry.OrderExecute, years(5)))          // 1: trade record, kept
	ticket4 := add(order(t, "n-4y", entry.OrderNew, years(4)))            // 2: order ticket, due
	ticket2 := add(order(t, "n-2y", entry.OrderNew, years(2)))            // 3: order ticket, kept
	held := add(order(t, "c-4y", entry.OrderCancel, years(4)))            // 4: due but on hold by index
	heldByID := add(order(t, "r-4y", entry.OrderRoute, years(4)))         // 5: due but on hold by id
	pay7 := add(payment(t, "p-7y", years(7)))                             // 6: trade record, due
	add(login(t, "l-2y", years(2)), nil)                                  // 7: no openings
	exact := add(order(t, "n-3y", entry.OrderNew, now.AddDate(-3, 0, 0))) // 8: exactly at the cutoff, due
	_, _, _, _ = exec5, ticket2, held, heldByID

	holds, err := ParseHolds([]byte(`
[[hold]]
matter = "SEC-2030-17"
indexes = [4]

[[hold]]
matter = "internal-review"
ids = ["r-4y"]
`))
	if err != nil {
		t.Fatal(err)
	}
	p := &Planner{Schedule: DefaultSchedule(), Holds: holds, Job: "disposal-job"}
	var plan *Plan
	tl.view(t, func(r *ledger.Reader) { plan, err = p.Plan(r, now) })
	if err != nil {
		t.Fatal(err)
	}
	digest := DefaultSchedule().Digest
	want := &Plan{
		Disposals: []entry.Disposal{
			{Class: "order-ticket", Rule: "order-ticket", Retain: "3y", Schedule: digest,
				Cutoff: now.AddDate(-3, 0, 0).UnixNano(), Indexes: []uint64{ticket4, exact},
				Fields: []string{"account"}, Job: "disposal-job"},
			{Class: "trade-record", Rule: "order-execution", Retain: "6y", Schedule: digest,
				Cutoff: now.AddDate(-6, 0, 0).UnixNano(), Indexes: []uint64{exec7},
				Fields: []string{"account"}, Job: "disposal-job"},
			{Class: "trade-record", Rule: "payment", Retain: "6y", Schedule: digest,
				Cutoff: now.AddDate(-6, 0, 0).UnixNano(), Indexes: []uint64{pay7},
				Fields: []string{"from", "to"}, Job: "disposal-job"},
		},
		Held: []HeldEntry{{Index: 4, Matter: "SEC-2030-17"}, {Index: 5, Matter: "internal-review"}},
	}
	if diff := cmp.Diff(want, plan); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}
}

// TestDisposalRun runs a plan the way the state machine does: the
// disposal entry and the shredding in one transaction. The disposal entry
// validates, the values are gone, and the earlier root is unchanged.
func TestDisposalRun(t *testing.T) {
	now := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	tl := newLedger(t)
	for i := range 5 {
		tl.add(t, login(t, id("l", i), now), nil)
		e, ops := order(t, id("o", i), entry.OrderNew, now.AddDate(-4, 0, 0))
		tl.add(t, e, ops)
	}
	rootBefore, err := tl.l.Root(10)
	if err != nil {
		t.Fatal(err)
	}
	p := &Planner{Schedule: DefaultSchedule(), Job: "disposal-job"}
	var plan *Plan
	tl.view(t, func(r *ledger.Reader) { plan, err = p.Plan(r, now) })
	if err != nil || len(plan.Disposals) != 1 {
		t.Fatalf("got plan %+v, %v; want one disposal", plan, err)
	}
	d := plan.Disposals[0]
	body, err := entry.NewBody(d)
	if err != nil {
		t.Fatal(err)
	}
	e := entry.Envelope{Version: entry.Version, Type: entry.TypeDisposal, ID: DisposalID(d),
		Time: now.UnixNano(), Actor: "records-officer", Label: entry.NewLabel(entry.Internal), Body: body}
	raw, err := e.Encode()
	if err != nil {
		t.Fatalf("disposal entry: %v", err)
	}
	err = tl.db.Update(func(tx *bbolt.Tx) error {
		if _, err := tl.l.Append(tx, []ledger.Record{{Entry: raw, ID: e.ID}}); err != nil {
			return err
		}
		return Shred(tx, tl.l, d.Indexes)
	})
	if err != nil {
		t.Fatal(err)
	}
	if rootAfter, _ := tl.l.Root(10); rootAfter != rootBefore {
		t.Fatalf("root of size 10: got %s, want %s", rootAfter, rootBefore)
	}
	tl.view(t, func(r *ledger.Reader) {
		plan, err = p.Plan(r, now)
		var left int
		r.OpeningIndexes(0, func(uint64) bool { left++; return true })
		if err != nil || len(plan.Disposals) != 0 || left != 0 {
			t.Fatalf("after the run: plan %+v, %v, %d entries with openings; want nothing left", plan, err, left)
		}
	})
	if got, want := d.Indexes, []uint64{1, 3, 5, 7, 9}; !cmp.Equal(got, want) {
		t.Fatalf("disposed %v, want %v", got, want)
	}
}

func TestDisposalSplits(t *testing.T) {
	d := entry.Disposal{Indexes: make([]uint64, entry.MaxDisposalIndexes*2+1)}
	for i := range d.Indexes {
		d.Indexes[i] = uint64(i)
	}
	parts := split(d)
	if len(parts) != 3 || len(parts[2].Indexes) != 1 || parts[1].Indexes[0] != entry.MaxDisposalIndexes {
		t.Fatalf("got %d parts, want 3 of %d, %d and 1", len(parts), entry.MaxDisposalIndexes, entry.MaxDisposalIndexes)
	}
}
