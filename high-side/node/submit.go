package node

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"

	"bastion/high-side/intake"
	"bastion/high-side/node/fsm"

	"go.etcd.io/bbolt"
)

var _ intake.Submitter = (*Node)(nil)

// SubmitOrders decides and records orders, returning one receipt per order
// in order. An order's ID defaults to its order ID and event joined by '-'.
// A malformed order gets a receipt with Error set and is not recorded; an
// ID recorded before gets the stored receipt with Duplicate set. On a
// follower it returns a *NotLeaderError; after a leadership change or when
// ctx ends, some orders may have been recorded and resending is safe.
func (n *Node) SubmitOrders(ctx context.Context, actor string, orders []intake.Order) ([]intake.Receipt, error) {
	ids := make([]string, len(orders))
	for i, o := range orders {
		ids[i] = orderID(o)
	}
	return n.submit(ctx, ids, func(i int) (draft, error) { return n.draftOrder(actor, orders[i], ids[i]) })
}

// SubmitPayments decides and records payments; see SubmitOrders. A
// payment's ID is required.
func (n *Node) SubmitPayments(ctx context.Context, actor string, payments []intake.Payment) ([]intake.Receipt, error) {
	ids := make([]string, len(payments))
	for i, p := range payments {
		ids[i] = p.ID
	}
	return n.submit(ctx, ids, func(i int) (draft, error) { return n.draftPayment(actor, payments[i]) })
}

// Receipt returns the stored receipt for an idempotency ID, as this node
// has applied it (a follower may lag the leader).
func (n *Node) Receipt(ctx context.Context, id string) (intake.Receipt, bool, error) {
	r, ok, err := n.fsm.Receipt(id)
	if err != nil || !ok {
		return intake.Receipt{}, false, err
	}
	rec, err := decodeReceipt(id, fsm.Result{Index: r.Index, Receipt: r.Receipt})
	return rec, err == nil, err
}

// submit runs the write path for ids, drafting the new ones with build.
func (n *Node) submit(ctx context.Context, ids []string, build func(int) (draft, error)) ([]intake.Receipt, error) {
	if err := n.writable(ctx); err != nil {
		return nil, err
	}
	receipts := make([]intake.Receipt, len(ids))
	stored, err := n.storedReceipts(ids)
	if err != nil {
		return nil, err
	}

	// Draft what is new; a malformed submission gets its error in place.
	var drafts []draft
	var pos []int
	for i, id := range ids {
		if r, ok := stored[id]; ok {
			receipts[i] = r
			continue
		}
		if id == "" {
			receipts[i] = intake.Receipt{Error: errNoID.Error()}
			continue
		}
		d, err := build(i)
		if err != nil {
			receipts[i] = intake.Receipt{ID: id, Error: err.Error()}
			continue
		}
		drafts, pos = append(drafts, d), append(pos, i)
	}
	if len(drafts) == 0 {
		return receipts, nil
	}

	// Propose, then wait until the monitor has seen the new entries.
	n.expect(drafts)
	results, err := n.proposeAll(ctx, drafts)
	n.forget(drafts)
	if err != nil {
		return nil, err
	}
	var last uint64
	for k, i := range pos {
		if receipts[i], err = receiptFor(drafts[k], results[k]); err != nil {
			return nil, err
		}
		last = max(last, results[k].Index)
	}
	n.waitObserved(ctx, last)
	return receipts, nil
}

// writable returns nil once this node may take writes: not halted, and
// leading with its monitor rebuilt.
func (n *Node) writable(ctx context.Context) error {
	if n.fsm.Halted() != nil {
		return ErrHalted
	}
	if !n.IsLeader() {
		return n.notLeader()
	}
	return n.waitReady(ctx)
}

// storedReceipts returns the receipts already recorded for any of ids,
// marked Duplicate.
func (n *Node) storedReceipts(ids []string) (map[string]intake.Receipt, error) {
	out := map[string]intake.Receipt{}
	err := n.fsm.View(func(tx *bbolt.Tx) error {
		for _, id := range ids {
			if id == "" {
				continue
			}
			if r, ok, _ := n.fsm.ReceiptTx(tx, id); ok {
				rec, err := decodeReceipt(id, fsm.Result{Index: r.Index, Receipt: r.Receipt, Duplicate: true})
				if err != nil {
					return err
				}
				out[id] = rec
			}
		}
		return nil
	})
	return out, err
}

// proposeAll proposes drafts in commands of at most MaxEntries items, all
// at once, and returns their results in order.
func (n *Node) proposeAll(ctx context.Context, drafts []draft) ([]fsm.Result, error) {
	size := n.cfg.Batch.MaxEntries
	if len(drafts) <= size {
		items := make([]fsm.Item, len(drafts))
		for i := range drafts {
			items[i] = drafts[i].item
		}
		return n.batch.propose(ctx, items)
	}
	// The chunks are enqueued in order from this goroutine, so they
	// commit in input order; their commands are in flight together.
	chunks := (len(drafts) + size - 1) / size
	results := make([]fsm.Result, len(drafts))
	pending := make([]*proposal, 0, chunks)
	var first error
	for c := range chunks {
		lo, hi := c*size, min((c+1)*size, len(drafts))
		items := make([]fsm.Item, hi-lo)
		for i := range items {
			items[i] = drafts[lo+i].item
		}
		p, err := n.batch.enqueue(ctx, items)
		if err != nil {
			first = err
			break
		}
		pending = append(pending, p)
	}
	for c, p := range pending {
		res, err := n.batch.await(ctx, p)
		if err != nil {
			first = cmp.Or(first, err)
			continue
		}
		copy(results[c*size:], res)
	}
	return results, first
}

// receiptFor returns the receipt of a committed draft.
func receiptFor(d draft, r fsm.Result) (intake.Receipt, error) {
	if r.Duplicate {
		return decodeReceipt(d.item.ID, r)
	}
	rec := d.receipt
	rec.Index = r.Index
	return rec, nil
}

func decodeReceipt(id string, r fsm.Result) (intake.Receipt, error) {
	var rec intake.Receipt
	if err := json.Unmarshal(r.Receipt, &rec); err != nil {
		return intake.Receipt{}, fmt.Errorf("corrupt stored receipt for %q: %v", id, err)
	}
	rec.ID, rec.Index, rec.Duplicate = id, r.Index, r.Duplicate
	return rec, nil
}
