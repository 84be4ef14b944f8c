package monitor

import (
	"strconv"
	"time"
)

// ownerOf returns the beneficial owner a trader acts for: the configured
// owner, else the trader itself.
func (m *Monitor) ownerOf(trader string) string {
	if o := m.cfg.Traders[trader].Owner; o != "" {
		return o
	}
	return trader
}

// washTrade runs on an execution: does an execution of the same owner on
// the other side, at the same price and quantity, lie within the window?
// The two executions are the two sides of one fill.
func (m *Monitor) washTrade(c *orderCtx) finding {
	r, limit := &m.cfg.Orders.WashTrade, m.text.market.wash
	t, ok := m.st.market.tapes.peek(c.o.Symbol)
	if !ok {
		return finding{observed: "no recent execution in the symbol", limit: limit}
	}
	owner, side := m.ownerOf(c.o.Trader), opposite(c.o.Side)
	since := c.now - int64(r.Window.Duration)
	for i := range t.fills {
		f := &t.fills[i]
		if f.qty != c.o.Quantity || f.side != side || f.at < since || f.orderID == c.o.OrderID ||
			!f.price.Equal(c.o.Price) || m.ownerOf(f.trader) != owner {
			continue
		}
		obs := "meets " + string(f.side) + " " + strconv.FormatInt(f.qty, 10) + " @ " + f.price.String() +
			" by " + f.trader + " " + time.Duration(c.now-f.at).String() + " earlier, owner " + owner
		return finding{fired: true, observed: obs, limit: limit}
	}
	return finding{observed: "no matching execution of the same owner", limit: limit}
}
