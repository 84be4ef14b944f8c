package fix

import (
	"context"
	"errors"
	"sync"

	"bastion/high-side/intake"
	"bastion/shared/entry"
)

// fakeSubmitter decides by symbol: RSTR is rejected (restricted list),
// HOLD is held for review, FAIL makes the call fail, anything else is
// accepted. A cancel of an order never seen is rejected (unknown order).
// Resubmitted ids return the stored receipt marked Duplicate.
type fakeSubmitter struct {
	mu       sync.Mutex
	orders   []intake.Order
	actors   []string
	receipts map[string]intake.Receipt
	seen     map[string]bool
	next     uint64
}

func newFakeSubmitter() *fakeSubmitter {
	return &fakeSubmitter{receipts: map[string]intake.Receipt{}, seen: map[string]bool{}}
}

func (f *fakeSubmitter) SubmitOrders(ctx context.Context, actor string, orders []intake.Order) ([]intake.Receipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []intake.Receipt
	for _, o := range orders {
		if o.Symbol == "FAIL" {
			return nil, errors.New("raft: not the leader")
		}
		if r, ok := f.receipts[o.ID]; ok {
			r.Duplicate = true
			out = append(out, r)
			continue
		}
		f.orders = append(f.orders, o)
		f.actors = append(f.actors, actor)
		f.next++
		r := intake.Receipt{ID: o.ID, Index: f.next, Outcome: entry.Accept}
		switch {
		case o.Event == entry.OrderCancel && !f.seen[o.OrderID]:
			r.Outcome, r.Reasons = entry.Reject, []string{entry.ReasonUnknownOrder}
		case o.Symbol == "RSTR":
			r.Outcome, r.Reasons = entry.Reject, []string{entry.ReasonRestrictedList}
		case o.Symbol == "HOLD":
			r.Outcome, r.Reasons = entry.Review, []string{entry.ReasonWatchList, entry.ReasonNotionalLimit}
		}
		f.seen[o.OrderID] = true
		f.receipts[o.ID] = r
		out = append(out, r)
	}
	return out, nil
}

func (f *fakeSubmitter) SubmitPayments(ctx context.Context, actor string, p []intake.Payment) ([]intake.Receipt, error) {
	return nil, errors.New("payments are not submitted over FIX")
}

func (f *fakeSubmitter) Receipt(ctx context.Context, id string) (intake.Receipt, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.receipts[id]
	return r, ok, nil
}

func (f *fakeSubmitter) submitted() ([]intake.Order, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]intake.Order(nil), f.orders...), append([]string(nil), f.actors...)
}
