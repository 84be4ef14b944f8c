package monitor

import (
	"time"

	"bastion/shared/entry"
)

// quoteStuffing counts the trader's messages in the symbol within the
// window, this one included. Once it has alerted for a trader and symbol,
// it stays quiet for a window: one burst, one alert.
func (m *Monitor) quoteStuffing(c *orderCtx) finding {
	r, limit := &m.cfg.Orders.QuoteStuffing, m.text.market.stuffing
	w := int64(r.Window.Duration)
	a := m.activity(c)
	if a == nil {
		return finding{observed: "1 message", limit: limit}
	}
	n, at := 1+a.burst.sum(c.now, w)[msgAny], c.t.mark()
	c.t.int(n).str(m.text.market.stuffingIn)
	if n <= int64(r.Max) {
		return finding{obs: c.t.since(at), limit: limit}
	}
	if a.lastBurst != 0 && c.now-a.lastBurst < w {
		c.t.str(", alerted ").str(time.Duration(c.now - a.lastBurst).String()).str(" ago")
		return finding{obs: c.t.since(at), limit: limit}
	}
	return finding{fired: true, obs: c.t.since(at), limit: limit}
}

// cancelRatio compares the trader's cancels and executions in the symbol
// with its new orders within the window, this event included. Like
// quoteStuffing it alerts once per window.
func (m *Monitor) cancelRatio(c *orderCtx) finding {
	r, t := &m.cfg.Orders.CancelRatio, &m.text.market
	w := int64(r.Window.Duration)
	var n [msgKinds]int64
	a := m.activity(c)
	if a != nil {
		n = a.ratio.sum(c.now, w)
	}
	switch c.o.Event {
	case entry.OrderNew:
		n[msgNew]++
	case entry.OrderCancel:
		n[msgCancel]++
	}
	at := c.t.mark()
	c.t.int(n[msgNew]).str(" new, ").int(n[msgCancel]).str(" cancelled, ").
		int(n[msgExecute]).str(t.ratioIn)
	if n[msgNew] < int64(r.MinOrders) {
		return finding{obs: c.t.since(at), limit: t.ratio}
	}
	cancels := n[msgCancel]*10_000 > n[msgNew]*t.cancelBP
	orders := n[msgNew]*10_000 > max(n[msgExecute], 1)*t.otrBP
	if !cancels && !orders {
		return finding{obs: c.t.since(at), limit: t.ratio}
	}
	if a != nil && a.lastRatio != 0 && c.now-a.lastRatio < w {
		c.t.str(", alerted ").str(time.Duration(c.now - a.lastRatio).String()).str(" ago")
		return finding{obs: c.t.since(at), limit: t.ratio}
	}
	return finding{fired: true, obs: c.t.since(at), limit: t.ratio}
}
