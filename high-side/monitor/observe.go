package monitor

import (
	"time"

	"bastion/high-side/intake"
	"bastion/shared/entry"

	"github.com/shopspring/decimal"
)

// Alert is a check that did not pass on a committed entry: the work item a
// compliance officer reviews. At most one alert is raised per
// (transaction, rule), however often the entry is observed (REPLAY M8).
type Alert struct {
	Type     entry.Type        `json:"type"`
	TxID     string            `json:"tx_id"`
	Rule     string            `json:"rule"`
	Result   entry.CheckResult `json:"result"`
	Reason   string            `json:"reason"`
	Outcome  entry.Outcome     `json:"outcome"`
	Observed string            `json:"observed,omitempty"`
	Limit    string            `json:"limit,omitempty"`
	Time     time.Time         `json:"time"`
}

// ObserveOrder applies a committed order entry to the state, with the
// decision the entry carries and its commit time, and returns the alerts
// it raises. Observing the same transaction again changes nothing and
// raises nothing. A rejected order only marks its order id and event as
// seen; any other outcome opens, amends or closes the order's exposure and
// updates the symbol's reference price.
func (m *Monitor) ObserveOrder(o intake.Order, d entry.Decision, at time.Time) []Alert {
	m.mu.Lock()
	defer m.mu.Unlock()
	tx := orderTx(&o)
	if _, seen := m.st.txs.peek(tx); seen {
		return nil
	}
	m.st.txs.put(tx, struct{}{})
	alerts := m.raise(tx, d, at)
	m.st.events.put(orderEventKey{o.OrderID, o.Event}, struct{}{})
	m.observeMarket(&o, d, at.UnixNano())
	if d.Outcome != entry.Reject {
		m.applyOrder(&o, at.UnixNano())
	}
	return alerts
}

// orderTx is the order's idempotency key: its ID, or else its order id and
// event.
func orderTx(o *intake.Order) txKey {
	if o.ID != "" {
		return txKey{typ: entry.TypeOrder, id: o.ID}
	}
	return txKey{typ: entry.TypeOrder, id: o.OrderID, event: o.Event}
}

func (m *Monitor) applyOrder(o *intake.Order, at int64) {
	s := m.st
	firm, _, _ := m.traderLimits(o.Trader)
	switch o.Event {
	case entry.OrderNew, entry.OrderModify:
		price := o.Price
		if !price.IsPositive() {
			price, _ = m.reference(o.Symbol) // zero when unknown: counted at zero
		} else {
			s.prices.put(o.Symbol, price)
		}
		s.open(o.OrderID, openOrder{account: o.Account, firm: firm, qty: o.Quantity, price: price})
		if o.Event == entry.OrderNew {
			s.prints.put(fingerprintOf(o), at)
		}
	case entry.OrderCancel:
		if open, ok := s.orders.peek(o.OrderID); ok {
			s.release(open, open.qty)
			s.orders.remove(o.OrderID)
		}
	case entry.OrderExecute:
		m.applyExecution(o)
	}
}

// applyExecution reduces the order's open quantity by the executed one and
// takes the execution price as the symbol's reference.
func (m *Monitor) applyExecution(o *intake.Order) {
	s := m.st
	if o.Price.IsPositive() {
		s.prices.put(o.Symbol, o.Price)
	}
	open, ok := s.orders.peek(o.OrderID)
	if !ok {
		return
	}
	qty := min(o.Quantity, open.qty)
	s.release(open, qty)
	open.qty -= qty
	if open.qty == 0 {
		s.orders.remove(o.OrderID)
		return
	}
	s.orders.put(o.OrderID, open)
}

// ObservePayment applies a committed payment entry to the state and
// returns the alerts it raises. Observing the same payment id again changes
// nothing. A rejected payment moved no money and leaves the history as it
// was; any other is added to the payer's outgoing and the payee's incoming
// history.
func (m *Monitor) ObservePayment(p intake.Payment, d entry.Decision, at time.Time) []Alert {
	m.mu.Lock()
	defer m.mu.Unlock()
	tx := txKey{typ: entry.TypePayment, id: p.ID}
	if _, seen := m.st.txs.peek(tx); seen {
		return nil
	}
	m.st.txs.put(tx, struct{}{})
	alerts := m.raise(tx, d, at)
	if d.Outcome != entry.Reject {
		ns := at.UnixNano()
		amount := p.Amount
		if amount.IsNegative() {
			amount = decimal.Decimal{}
		}
		out, in := m.st.flowOf(m.st.out, p.From), m.st.flowOf(m.st.in, p.To)
		// Peers are the keys the histories are stored under, so one
		// account's events share one string and compare by pointer.
		out.add(flowEvent{at: ns, amount: amount, peer: m.st.in.stored(p.To)})
		in.add(flowEvent{at: ns, amount: amount, peer: m.st.out.stored(p.From)})
	}
	return alerts
}

// raise returns one alert per check of d that did not pass and was not
// alerted before for this transaction.
func (m *Monitor) raise(tx txKey, d entry.Decision, at time.Time) []Alert {
	var out []Alert
	for _, c := range d.Checks {
		if c.Result == entry.Pass {
			continue
		}
		k := alertKey{tx, c.Rule}
		if _, done := m.st.alerted.peek(k); done {
			continue
		}
		m.st.alerted.put(k, struct{}{})
		out = append(out, Alert{
			Type: tx.typ, TxID: tx.String(), Rule: c.Rule, Result: c.Result, Reason: c.Reason,
			Outcome: d.Outcome, Observed: c.Observed, Limit: c.Limit, Time: at.UTC(),
		})
	}
	return out
}
