package gateway

import (
	"context"
	"errors"
	"sync"

	"bastion/high-side/intake"
	"bastion/shared/entry"
)

// fakeSubmitter keeps receipts in memory. Orders for RSTR and payments
// from DRAIN are rejected; a resubmitted id returns the stored receipt
// marked Duplicate; fail makes every call fail.
type fakeSubmitter struct {
	mu       sync.Mutex
	receipts map[string]intake.Receipt
	orders   []intake.Order
	payments []intake.Payment
	lookups  []string
	next     uint64
	fail     bool
}

func newFake() *fakeSubmitter { return &fakeSubmitter{receipts: map[string]intake.Receipt{}} }

func (f *fakeSubmitter) decide(id string, reject string) intake.Receipt {
	if id == "" {
		return intake.Receipt{Outcome: entry.Reject, Reasons: []string{entry.ReasonMalformedRequest}, Error: "missing id"}
	}
	if r, ok := f.receipts[id]; ok {
		r.Duplicate = true
		return r
	}
	f.next++
	r := intake.Receipt{ID: id, Index: f.next, Outcome: entry.Accept}
	if reject != "" {
		r.Outcome, r.Reasons = entry.Reject, []string{reject}
	}
	f.receipts[id] = r
	return r
}

func (f *fakeSubmitter) SubmitOrders(ctx context.Context, actor string, orders []intake.Order) ([]intake.Receipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return nil, errors.New("raft apply: leadership lost at 10.0.0.7")
	}
	var out []intake.Receipt
	for _, o := range orders {
		f.orders = append(f.orders, o)
		reason := ""
		if o.Symbol == "RSTR" {
			reason = entry.ReasonRestrictedList
		}
		out = append(out, f.decide(o.ID, reason))
	}
	return out, nil
}

func (f *fakeSubmitter) SubmitPayments(ctx context.Context, actor string, payments []intake.Payment) ([]intake.Receipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return nil, errors.New("raft apply: leadership lost at 10.0.0.7")
	}
	var out []intake.Receipt
	for _, p := range payments {
		f.payments = append(f.payments, p)
		reason := ""
		if p.From == "DRAIN" {
			reason = entry.ReasonAccountDrain
		}
		out = append(out, f.decide(p.ID, reason))
	}
	return out, nil
}

func (f *fakeSubmitter) Receipt(ctx context.Context, id string) (intake.Receipt, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups = append(f.lookups, id)
	r, ok := f.receipts[id]
	return r, ok, nil
}

// statusFake adds the optional StatusReporter.
type statusFake struct{ *fakeSubmitter }

func (statusFake) Status(ctx context.Context) (any, error) {
	return map[string]any{"role": "leader", "last_index": 42}, nil
}
