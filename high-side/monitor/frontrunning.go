package monitor

import (
	"strconv"
	"time"
)

// isClient reports whether a trader acts for clients (the default
// category).
func (m *Monitor) isClient(trader string) bool {
	c := m.cfg.Traders[trader].Category
	return c == "" || c == CategoryClient
}

// frontRunning runs on new orders. A proprietary or employee order is
// checked against the open large client orders of the same symbol and
// side entered within the window; a large client order against the
// proprietary and employee orders entered within the window before it.
func (m *Monitor) frontRunning(c *orderCtx) finding {
	r, limit := &m.cfg.Orders.FrontRunning, m.text.market.front
	client := m.isClient(c.o.Trader)
	if client && c.o.Quantity < r.MinQty {
		at := c.t.mark()
		c.t.str("client order of ").int(c.o.Quantity)
		return finding{obs: c.t.since(at), limit: limit}
	}
	q, ok := m.st.market.queues.peek(sideKey{c.o.Symbol, c.o.Side})
	if !ok {
		return finding{observed: "no recent order on this side", limit: limit}
	}
	since := c.now - int64(r.Window.Duration)
	for i := range q.orders {
		e := &q.orders[i]
		if e.orderID == "" || e.at < since || e.client == client || e.trader == c.o.Trader {
			continue
		}
		ago := time.Duration(c.now - e.at).String()
		if !client {
			if _, open := m.st.orders.peek(e.orderID); open && e.qty >= r.MinQty {
				obs := "ahead of open client order " + e.orderID + " of " + strconv.FormatInt(e.qty, 10) + " entered " + ago + " earlier"
				return finding{fired: true, observed: obs, limit: limit}
			}
			continue
		}
		obs := "order " + e.orderID + " of " + e.trader + " entered " + ago + " before this client order"
		return finding{fired: true, observed: obs, limit: limit}
	}
	return finding{observed: "no order ahead of a client order", limit: limit}
}
