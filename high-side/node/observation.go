package node

import (
	"encoding/json"
	"fmt"
	"time"

	"bastion/high-side/intake"
	"bastion/high-side/monitor"
	"bastion/shared/entry"
)

// observation is what the monitor is told about one committed entry: the
// submission as the entry records it, with the plain account values from
// its openings, the decision it carries and its time. The leader builds it
// while drafting, and a new leader rebuilds it from the ledger with the
// same functions, so both paths give the monitor the same input.
type observation struct {
	order    *intake.Order
	payment  *intake.Payment
	decision entry.Decision
	at       time.Time
}

func orderObservation(id string, b *entry.Order, account string, at time.Time) *intake.Order {
	return &intake.Order{ID: id, OrderID: b.OrderID, Event: b.Event, Symbol: b.Symbol, Side: b.Side,
		Quantity: b.Quantity, Price: b.Price, Trader: b.Trader, Account: account, Source: b.Source,
		Time: at.UnixNano()}
}

func paymentObservation(id string, b *entry.Payment, from, to string, at time.Time) *intake.Payment {
	return &intake.Payment{ID: id, Kind: b.Kind, Amount: b.Amount, Currency: b.Currency,
		From: from, To: to, Source: b.Source, Time: at.UnixNano()}
}

// observationOf rebuilds the observation of a committed entry read back
// from the ledger. Entries of other types than order and payment give an
// empty observation.
func observationOf(e *entry.Envelope, openings []entry.Opening) (observation, error) {
	ob := observation{at: e.Timestamp(), decision: entry.Decision{Outcome: entry.Accept}}
	if e.Decision != nil {
		ob.decision = *e.Decision
	}
	switch e.Type {
	case entry.TypeOrder:
		var b entry.Order
		if err := json.Unmarshal(e.Body, &b); err != nil {
			return ob, fmt.Errorf("malformed order body: %v", err)
		}
		ob.order = orderObservation(e.ID, &b, plain(openings, fieldAccount), ob.at)
	case entry.TypePayment:
		var b entry.Payment
		if err := json.Unmarshal(e.Body, &b); err != nil {
			return ob, fmt.Errorf("malformed payment body: %v", err)
		}
		ob.payment = paymentObservation(e.ID, &b, plain(openings, fieldFrom), plain(openings, fieldTo), ob.at)
	}
	return ob, nil
}

// plain returns the value the opening of field reveals, or "".
func plain(openings []entry.Opening, field string) string {
	for _, o := range openings {
		if o.Field == field {
			return o.Value
		}
	}
	return ""
}

// feed gives ob to the monitor and passes any alerts on.
func (n *Node) feed(ob observation) {
	var alerts []monitor.Alert
	switch {
	case ob.order != nil:
		alerts = n.opts.Monitor.ObserveOrder(*ob.order, ob.decision, ob.at)
	case ob.payment != nil:
		alerts = n.opts.Monitor.ObservePayment(*ob.payment, ob.decision, ob.at)
	}
	if len(alerts) > 0 && n.opts.OnAlert != nil {
		n.opts.OnAlert(alerts)
	}
}
