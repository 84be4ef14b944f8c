package monitor

import (
	"strconv"
	"time"

	"bastion/shared/entry"

	"github.com/shopspring/decimal"
)

// activity returns the committed activity of the order's trader in its
// symbol, or nil.
func (m *Monitor) activity(c *orderCtx) *activity {
	a, _ := m.st.market.activity.peek(traderKey{c.o.Trader, c.o.Symbol})
	return a
}

func opposite(s entry.Side) entry.Side {
	if s == entry.Buy {
		return entry.Sell
	}
	return entry.Buy
}

// spoofing runs on a cancel: was the cancelled order large, short-lived
// and open while the trader traded the other side?
func (m *Monitor) spoofing(c *orderCtx) finding {
	r, limit := &m.cfg.Orders.Spoofing, m.text.market.spoofing
	a := m.activity(c)
	if a == nil {
		return finding{observed: "no recent orders of the trader", limit: limit}
	}
	p := a.find(c.o.OrderID)
	switch {
	case p == nil:
		return finding{observed: "order not among recent orders", limit: limit}
	case c.now-p.at > int64(r.Window.Duration):
		return finding{observed: "order older than window", limit: limit}
	case p.qty < r.MinQty:
		return finding{observed: "order of " + strconv.FormatInt(p.qty, 10), limit: limit}
	}
	traded := a.tradedSince(opposite(p.side), p.at)
	if traded == 0 {
		return finding{observed: "no trade on the other side while open", limit: limit}
	}
	obs := "cancel " + strconv.FormatInt(p.qty, 10) + " " + string(p.side) + " after " +
		time.Duration(c.now-p.at).String() + ", " + strconv.FormatInt(traded, 10) + " traded on the other side"
	fired := p.qty*10_000 >= traded*m.text.market.spoofRatioBP
	return finding{fired: fired, observed: obs, limit: limit}
}

// layering runs on a cancel: counts the distinct prices of the trader's
// orders on the cancelled order's side placed and cancelled within the
// window, this cancel included.
func (m *Monitor) layering(c *orderCtx) finding {
	r, limit := &m.cfg.Orders.Layering, m.text.market.layering
	a := m.activity(c)
	if a == nil {
		return finding{observed: "no recent orders of the trader", limit: limit}
	}
	p := a.find(c.o.OrderID)
	if p == nil {
		return finding{observed: "order not among recent orders", limit: limit}
	}
	since := c.now - int64(r.Window.Duration)
	levels, qty := cancelledLevels(a, p, since)
	obs := strconv.Itoa(levels) + " " + string(p.side) + " levels, " + strconv.FormatInt(qty, 10) + " placed and cancelled"
	if levels < r.Levels || qty < r.MinQty {
		return finding{observed: obs, limit: limit}
	}
	if r.Opposite && a.tradedSince(opposite(p.side), since) == 0 {
		return finding{observed: obs + ", no trade on the other side", limit: limit}
	}
	return finding{fired: true, observed: obs, limit: limit}
}

// cancelledLevels returns the distinct prices and total quantity of the
// orders on p's side placed after since and cancelled, p counting as
// cancelled now.
func cancelledLevels(a *activity, p *placedOrder, since int64) (levels int, qty int64) {
	var buf [activityOrders]decimal.Decimal
	prices := buf[:0]
	for i := range a.orders {
		o := &a.orders[i]
		if o.orderID == "" || o.side != p.side || o.at <= since || (o.cancelled == 0 && o != p) {
			continue
		}
		qty += o.qty
		if !containsPrice(prices, o.price) {
			prices = append(prices, o.price)
		}
	}
	return len(prices), qty
}

func containsPrice(list []decimal.Decimal, p decimal.Decimal) bool {
	for _, x := range list {
		if x.Equal(p) {
			return true
		}
	}
	return false
}
