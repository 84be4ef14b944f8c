package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"bastion/high-side/intake"
	"bastion/high-side/node/fsm"
	"bastion/shared/entry"
)

// draft is a decided submission, encoded and ready to propose, with the
// receipt it will get once committed.
type draft struct {
	item    fsm.Item
	receipt intake.Receipt
	obs     observation
}

// Opening field names: which body field a commitment stands for.
const (
	fieldAccount = "account"
	fieldFrom    = "from"
	fieldTo      = "to"
)

// orderID returns an order's idempotency key: its ID, or the order ID and
// the event joined by '-' when the ID is empty.
func orderID(o intake.Order) string {
	if o.ID != "" {
		return o.ID
	}
	return o.OrderID + "-" + string(o.Event)
}

// draftOrder commits the account, checks clearance, asks the monitor and
// encodes the order entry.
func (n *Node) draftOrder(actor string, o intake.Order, id string) (draft, error) {
	if err := checkPlain(fieldAccount, o.Account); err != nil {
		return draft{}, err
	}
	op, acct := entry.NewOpening(fieldAccount, o.Account)
	body := &entry.Order{OrderID: o.OrderID, Event: o.Event, Symbol: o.Symbol, Side: o.Side,
		Quantity: o.Quantity, Price: o.Price, Trader: o.Trader, Account: acct, Source: o.Source}
	d, err := n.draft(entry.TypeOrder, id, actor, body, []entry.Opening{op}, func(now time.Time) entry.Decision {
		return n.opts.Monitor.DecideOrder(o, now)
	})
	if err == nil {
		d.obs.order = orderObservation(id, body, o.Account, d.obs.at)
	}
	return d, err
}

// draftPayment commits both accounts, checks clearance, asks the monitor
// and encodes the payment entry.
func (n *Node) draftPayment(actor string, p intake.Payment) (draft, error) {
	if err := checkPlain(fieldFrom, p.From); err != nil {
		return draft{}, err
	}
	if err := checkPlain(fieldTo, p.To); err != nil {
		return draft{}, err
	}
	opFrom, from := entry.NewOpening(fieldFrom, p.From)
	opTo, to := entry.NewOpening(fieldTo, p.To)
	body := &entry.Payment{PaymentID: p.ID, Kind: p.Kind, Amount: p.Amount, Currency: p.Currency,
		From: from, To: to, Source: p.Source}
	d, err := n.draft(entry.TypePayment, p.ID, actor, body, []entry.Opening{opFrom, opTo}, func(now time.Time) entry.Decision {
		return n.opts.Monitor.DecidePayment(p, now)
	})
	if err == nil {
		d.obs.payment = paymentObservation(p.ID, body, p.From, p.To, d.obs.at)
	}
	return d, err
}

// draft builds the envelope of body, decides it, and encodes it, which
// validates it (once: validation is a large part of the leader's cost per
// entry). Deciding has no effect on the monitor's state, so a submission
// that then fails validation leaves no trace. An actor the clearance
// policy refuses gets a recorded rejection.
func (n *Node) draft(t entry.Type, id, actor string, body any, openings []entry.Opening,
	decide func(time.Time) entry.Decision) (draft, error) {
	raw, err := entry.NewBody(body)
	if err != nil {
		return draft{}, err
	}
	now := n.now()
	label := n.opts.Labels.LabelFor(t, raw)
	e := entry.Envelope{Version: entry.Version, Type: t, ID: id, Time: now.UnixNano(),
		Actor: actor, Label: label, Body: raw}

	// Decide: a refused actor is rejected without asking the monitor.
	var d entry.Decision
	if err := n.opts.Clearance.Check(actor, label, actionFor(t)); err != nil {
		d = clearanceRejection(err)
	} else {
		d = decide(now)
	}
	e.Decision = &d
	return encodeDraft(&e, openings, now)
}

// clearanceRejection is the decision recorded for an actor that may not
// write the entry's label.
func clearanceRejection(err error) entry.Decision {
	return entry.Decision{Outcome: entry.Reject, Reasons: []string{entry.ReasonClearance},
		Checks: []entry.Check{{Rule: "clearance", Result: entry.Fail, Reason: entry.ReasonClearance,
			Observed: truncate(err.Error(), 256)}}}
}

func encodeDraft(e *entry.Envelope, openings []entry.Opening, at time.Time) (draft, error) {
	b, err := e.Encode()
	if err != nil {
		if derr := e.Decision.Validate(); derr != nil {
			return draft{}, fmt.Errorf("the monitor's decision is invalid: %w", derr)
		}
		return draft{}, err
	}
	ops, err := json.Marshal(openings)
	if err != nil {
		return draft{}, fmt.Errorf("failed to encode openings: %w", err)
	}
	r := intake.Receipt{ID: e.ID, Outcome: e.Decision.Outcome, Reasons: e.Decision.Reasons, Checks: e.Decision.Checks}
	rb, err := json.Marshal(r)
	if err != nil {
		return draft{}, fmt.Errorf("failed to encode receipt: %w", err)
	}
	return draft{item: fsm.Item{ID: e.ID, Entry: b, Openings: ops, Receipt: rb}, receipt: r,
		obs: observation{decision: *e.Decision, at: at}}, nil
}

// now returns the leader's clock, strictly increasing within the process
// so that no two entries it writes share a time.
func (n *Node) now() time.Time {
	for {
		last := n.lastTime.Load()
		t := n.opts.Clock().UTC().UnixNano()
		if t <= last {
			t = last + 1
		}
		if n.lastTime.CompareAndSwap(last, t) {
			return time.Unix(0, t).UTC()
		}
	}
}

// checkPlain checks a plain account identifier before it is committed:
// 1 to 128 printable ASCII characters.
func checkPlain(field, v string) error {
	if v == "" {
		return fmt.Errorf("missing %s", field)
	}
	if len(v) > 128 {
		return fmt.Errorf("%s longer than 128 bytes", field)
	}
	for i := 0; i < len(v); i++ {
		if v[i] < ' ' || v[i] > '~' {
			return fmt.Errorf("%s has a character outside printable ASCII", field)
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// errNoID is the receipt error of a submission without an ID.
var errNoID = errors.New("missing id")
