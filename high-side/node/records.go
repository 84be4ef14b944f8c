package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.etcd.io/bbolt"

	"bastion/high-side/intake"
	"bastion/high-side/node/fsm"
	"bastion/high-side/records"
	"bastion/shared/disclosure"
	"bastion/shared/entry"
)

// Records-management actions checked against Clearance. Writing the entry
// itself also needs the action of its type (configure).
const (
	// ActionDisclose lets a subject have a committed value disclosed.
	ActionDisclose = "disclose"
	// ActionRecords lets a subject amend records and run disposals.
	ActionRecords = "records"
)

// ErrNoCheckpoint is returned by Disclose before the link has exported a
// signed checkpoint.
var ErrNoCheckpoint = errors.New("no exported checkpoint to prove the entry in")

// Dispose records the disposal d as an entry written by actor and, when
// the entry is accepted, destroys the openings of d.Indexes in the same
// Raft command on every node (fsm.Shred). Its ID is records.DisposalID(d),
// so running the same plan again returns the stored receipt with
// Duplicate set. An actor refused the records or configure action gets a
// recorded rejection under an ID of its own (see draftOrRefuse) and
// nothing is destroyed.
func (n *Node) Dispose(ctx context.Context, actor string, d entry.Disposal) (intake.Receipt, error) {
	if len(d.Indexes) == 0 {
		return intake.Receipt{}, errors.New("disposal names no entry")
	}
	id := records.DisposalID(d)
	label := n.opts.Labels.LabelFor(entry.TypeDisposal, nil)
	dr, err := n.draftOrRefuse(entry.TypeDisposal, id, actor, d, nil, label, label)
	if err != nil {
		return intake.Receipt{ID: id, Error: err.Error()}, fmt.Errorf("malformed disposal: %w", err)
	}
	var cmd fsm.Command = &fsm.Append{Items: []fsm.Item{dr.item}}
	if dr.receipt.Outcome == entry.Accept {
		cmd = &fsm.Shred{Indexes: d.Indexes, Item: dr.item}
	}
	return n.commitOne(ctx, dr, cmd)
}

// RunDisposal plans a disposal with p at now over this node's ledger and
// records each planned disposal with Dispose, returning the plan and one
// receipt per disposal. It stops at the first error.
func (n *Node) RunDisposal(ctx context.Context, actor string, p *records.Planner, now time.Time) (*records.Plan, []intake.Receipt, error) {
	var plan *records.Plan
	err := n.fsm.View(func(tx *bbolt.Tx) error {
		r, err := n.Ledger().Reader(tx)
		if err != nil {
			return err
		}
		plan, err = p.Plan(r, now)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("failed to plan disposal: %w", err)
	}
	var out []intake.Receipt
	for _, d := range plan.Disposals {
		r, err := n.Dispose(ctx, actor, d)
		if err != nil {
			return plan, out, err
		}
		out = append(out, r)
	}
	return plan, out, nil
}

// AmendOrder records version k+1 of the order record written at index
// record: an amendment entry by actor whose body is o with its account
// committed afresh, naming the latest version by index and leaf hash. Its
// ID is "amend-RECORD-vK", so resending returns the stored receipt; two
// concurrent amendments of one version record only the first. The entry
// carries the record's label joined with the policy's, and actor needs the
// records action at that label (else a recorded rejection).
func (n *Node) AmendOrder(ctx context.Context, actor string, record uint64, o intake.Order, reason string) (intake.Receipt, error) {
	if err := checkPlain(fieldAccount, o.Account); err != nil {
		return intake.Receipt{}, err
	}
	op, acct := entry.NewOpening(fieldAccount, o.Account)
	body, err := entry.NewBody(&entry.Order{OrderID: o.OrderID, Event: o.Event, Symbol: o.Symbol, Side: o.Side,
		Quantity: o.Quantity, Price: o.Price, Trader: o.Trader, Account: acct, Source: o.Source})
	if err != nil {
		return intake.Receipt{}, err
	}
	a, label, err := n.nextAmendment(record, body, reason)
	if err != nil {
		return intake.Receipt{}, err
	}
	id := "amend-" + strconv.FormatUint(record, 10) + "-v" + strconv.Itoa(a.Version)
	dr, err := n.draftOrRefuse(entry.TypeAmendment, id, actor, a, []entry.Opening{op}, label, label)
	if err != nil {
		return intake.Receipt{ID: id, Error: err.Error()}, fmt.Errorf("malformed amendment: %w", err)
	}
	return n.commitOne(ctx, dr, &fsm.Append{Items: []fsm.Item{dr.item}})
}

// nextAmendment builds the amendment body and its label: the record's
// label joined with the policy's labels for the amendment and new body.
func (n *Node) nextAmendment(record uint64, body json.RawMessage, reason string) (entry.Amendment, entry.Label, error) {
	var a entry.Amendment
	var orig *entry.Envelope
	err := n.fsm.View(func(tx *bbolt.Tx) error {
		r, err := n.Ledger().Reader(tx)
		if err != nil {
			return err
		}
		if a, err = records.NextAmendment(r, record, body, reason); err != nil {
			return err
		}
		raw, err := r.Entry(record)
		if err == nil {
			orig, err = entry.Decode(raw)
		}
		return err
	})
	if err != nil {
		return entry.Amendment{}, entry.Label{}, fmt.Errorf("failed to amend record %d: %w", record, err)
	}
	raw, _ := entry.NewBody(a)
	label := joinLabels(orig.Label, n.opts.Labels.LabelFor(entry.TypeAmendment, raw),
		n.opts.Labels.LabelFor(a.RecordType, body))
	return a, label, nil
}

// History returns every version of the record written at index record, as
// this node has applied the ledger; see records.History.
func (n *Node) History(record uint64) ([]records.Version, error) {
	var h []records.Version
	err := n.fsm.View(func(tx *bbolt.Tx) error {
		r, err := n.Ledger().Reader(tx)
		if err == nil {
			h, err = records.History(r, record)
		}
		return err
	})
	return h, err
}

// RecordHistory is History for actor, who needs ActionRecords at the
// record's label: the versions show every body, commitments in place of
// sensitive values.
func (n *Node) RecordHistory(ctx context.Context, actor string, record uint64) ([]records.Version, error) {
	e, err := n.entryAt(record)
	if err != nil {
		return nil, err
	}
	if err := n.opts.Clearance.Check(actor, e.Label, ActionRecords); err != nil {
		return nil, err
	}
	return n.History(record)
}

// joinLabels returns the least label dominating every label given: the
// highest level and the union of the compartments.
func joinLabels(ls ...entry.Label) entry.Label {
	var level entry.Level
	var comps []string
	for _, l := range ls {
		level = max(level, l.Level)
		comps = append(comps, l.Compartments...)
	}
	return entry.NewLabel(level, comps...)
}

// draftRecord drafts a records-management entry with an explicit label:
// actor needs the configure action at label (as draft checks for every
// non-trading entry) and ActionRecords or ActionDisclose at target. A
// refusal is recorded as a rejection.
func (n *Node) draftRecord(t entry.Type, id, actor string, body any, openings []entry.Opening,
	label, target entry.Label) (draft, error) {
	raw, err := entry.NewBody(body)
	if err != nil {
		return draft{}, err
	}
	now := n.now()
	e := entry.Envelope{Version: entry.Version, Type: t, ID: id, Time: now.UnixNano(),
		Actor: actor, Label: label, Body: raw}
	d := entry.Decision{Outcome: entry.Accept}
	action := ActionRecords
	if t == entry.TypeApproval {
		action = ActionDisclose
	}
	if err := n.opts.Clearance.Check(actor, label, actionFor(t)); err != nil {
		d = clearanceRejection(err)
	} else if err := n.opts.Clearance.Check(actor, target, action); err != nil {
		d = clearanceRejection(err)
	}
	e.Decision = &d
	return encodeDraft(&e, openings, now)
}

// draftOrRefuse is draftRecord, except that a refused draft gets an ID
// of its own, "refused-" and a time in ns before id: a refusal is
// recorded every time and never stands in for the accepted entry.
func (n *Node) draftOrRefuse(t entry.Type, id, actor string, body any, openings []entry.Opening,
	label, target entry.Label) (draft, error) {
	dr, err := n.draftRecord(t, id, actor, body, openings, label, target)
	if err != nil || dr.receipt.Outcome == entry.Accept {
		return dr, err
	}
	refused := "refused-" + strconv.FormatInt(n.now().UnixNano(), 10) + "-" + id
	return n.draftRecord(t, truncate(refused, 128), actor, body, openings, label, target)
}

// commitOne proposes cmd, which carries dr alone, and returns its receipt
// once the monitor has seen it.
func (n *Node) commitOne(ctx context.Context, dr draft, cmd fsm.Command) (intake.Receipt, error) {
	if err := n.writable(ctx); err != nil {
		return intake.Receipt{}, err
	}
	resp, err := n.apply(fsm.Encode(cmd))
	if err != nil {
		return intake.Receipt{}, err
	}
	ar, ok := resp.(*fsm.AppendResult)
	if !ok || len(ar.Results) != 1 {
		return intake.Receipt{}, fmt.Errorf("unexpected state machine response %T", resp)
	}
	r, err := receiptFor(dr, ar.Results[0])
	if err == nil {
		n.waitObserved(ctx, r.Index)
	}
	return r, err
}

// DisclosureRequest asks Disclose for one field of one entry.
type DisclosureRequest struct {
	Index  uint64            // ledger index of the entry
	Field  string            // committed field (entry.FieldAccount, ...)
	Link   string            // export link whose latest checkpoint proves it
	Signer disclosure.Signer // the high side's hybrid signer
}

// Disclose issues a signed disclosure (see package disclosure) of one
// committed field, proven in the latest checkpoint exported on req.Link.
// The request is first recorded as an approval entry (action "disclose",
// subject the entry's ID, approver actor); actor needs ActionDisclose at
// the entry's label, else the refusal is recorded and Disclose returns an
// error. It returns records.ErrShredded for a value destroyed by
// disposal, ErrNoCheckpoint before the first export, and a
// *NotLeaderError on a follower.
func (n *Node) Disclose(ctx context.Context, actor string, req DisclosureRequest) ([]byte, intake.Receipt, error) {
	target, err := n.entryAt(req.Index)
	if err != nil {
		return nil, intake.Receipt{}, err
	}
	rec, ok, err := n.fsm.LastExport(req.Link)
	if err != nil || !ok {
		return nil, intake.Receipt{}, cmpErr(err, ErrNoCheckpoint)
	}

	// Record the request; only an accepted one is signed.
	now := n.now()
	body := entry.Approval{Subject: target.ID, Action: "disclose", Approver: actor,
		Note: fmt.Sprintf("field %s of ledger index %d", req.Field, req.Index)}
	id := "disclose-" + strconv.FormatUint(req.Index, 10) + "-" + strconv.FormatInt(now.UnixNano(), 10)
	label := joinLabels(target.Label, n.opts.Labels.LabelFor(entry.TypeApproval, nil))
	dr, err := n.draftRecord(entry.TypeApproval, id, actor, body, nil, label, target.Label)
	if err != nil {
		return nil, intake.Receipt{}, err
	}
	r, err := n.commitOne(ctx, dr, &fsm.Append{Items: []fsm.Item{dr.item}})
	if err != nil || r.Outcome != entry.Accept {
		return nil, r, cmpErr(err, fmt.Errorf("disclosure refused: %v", r.Reasons))
	}
	b, err := n.signDisclosure(rec.Checkpoint, req, actor, now)
	return b, r, err
}

// signDisclosure builds and signs the statement from one read view.
func (n *Node) signDisclosure(note []byte, req DisclosureRequest, actor string, at time.Time) ([]byte, error) {
	var out []byte
	err := n.fsm.View(func(tx *bbolt.Tx) error {
		r, err := n.Ledger().Reader(tx)
		if err == nil {
			out, err = records.Disclose(r, note, records.Request{Index: req.Index, Field: req.Field,
				Issuer: actor, At: at}, req.Signer)
		}
		return err
	})
	return out, err
}

// entryAt decodes the entry at index.
func (n *Node) entryAt(index uint64) (*entry.Envelope, error) {
	raw, err := n.Ledger().Entry(index)
	if err != nil {
		return nil, err
	}
	return entry.Decode(raw)
}

// cmpErr returns err when set, else fallback.
func cmpErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}
