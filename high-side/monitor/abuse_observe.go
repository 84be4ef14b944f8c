package monitor

import (
	"bastion/high-side/intake"
	"bastion/shared/entry"
)

// observeMarket applies a committed order event to the market-abuse state.
// The alerts of the rate rules start their quiet period whatever the
// outcome; the event itself is counted only when the order was not
// rejected, since a rejected order never reached the market.
func (m *Monitor) observeMarket(o *intake.Order, d entry.Decision, at int64) {
	ms := &m.st.market
	k := traderKey{o.Trader, o.Symbol}
	a, ok := ms.activity.peek(k)
	if !ok {
		a = &activity{
			burst: newSlots(int64(m.cfg.Orders.QuoteStuffing.Window.Duration)),
			ratio: newSlots(int64(m.cfg.Orders.CancelRatio.Window.Duration)),
		}
	}
	ms.activity.put(k, a)
	for _, c := range d.Checks {
		switch {
		case c.Result == entry.Pass:
		case c.Rule == "quote_stuffing":
			a.lastBurst = at
		case c.Rule == "cancel_ratio":
			a.lastRatio = at
		}
	}
	if d.Outcome == entry.Reject {
		return
	}
	a.record(o, at)
	switch o.Event {
	case entry.OrderExecute:
		m.tapeOf(o.Symbol).add(tapeFill{trader: o.Trader, orderID: o.OrderID, side: o.Side,
			qty: o.Quantity, price: o.Price, at: at})
	case entry.OrderNew:
		client := m.isClient(o.Trader)
		if !client || o.Quantity >= m.cfg.Orders.FrontRunning.MinQty {
			m.queueOf(sideKey{o.Symbol, o.Side}).add(queuedOrder{trader: o.Trader, orderID: o.OrderID,
				client: client, qty: o.Quantity, at: at})
		}
	}
}

// tapeOf returns the tape of symbol, creating it, as the newest key.
func (m *Monitor) tapeOf(symbol string) *tape {
	t, ok := m.st.market.tapes.peek(symbol)
	if !ok {
		t = &tape{}
	}
	m.st.market.tapes.put(symbol, t)
	return t
}

// queueOf returns the queue of a symbol side, creating it, as the newest
// key.
func (m *Monitor) queueOf(k sideKey) *queue {
	q, ok := m.st.market.queues.peek(k)
	if !ok {
		q = &queue{}
	}
	m.st.market.queues.put(k, q)
	return q
}
