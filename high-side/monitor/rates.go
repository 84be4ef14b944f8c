package monitor

import (
	"strconv"
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
	n := 1 + a.burst.sum(c.now, w)[msgAny]
	obs := strconv.FormatInt(n, 10) + " messages in " + r.Window.String()
	if n <= int64(r.Max) {
		return finding{observed: obs, limit: limit}
	}
	if a.lastBurst != 0 && c.now-a.lastBurst < w {
		return finding{observed: obs + ", alerted " + time.Duration(c.now-a.lastBurst).String() + " ago", limit: limit}
	}
	return finding{fired: true, observed: obs, limit: limit}
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
	obs := strconv.FormatInt(n[msgNew], 10) + " new, " + strconv.FormatInt(n[msgCancel], 10) + " cancelled, " +
		strconv.FormatInt(n[msgExecute], 10) + " executed in " + r.Window.String()
	if n[msgNew] < int64(r.MinOrders) {
		return finding{observed: obs, limit: t.ratio}
	}
	cancels := n[msgCancel]*10_000 > n[msgNew]*t.cancelBP
	orders := n[msgNew]*10_000 > max(n[msgExecute], 1)*t.otrBP
	if !cancels && !orders {
		return finding{observed: obs, limit: t.ratio}
	}
	if a != nil && a.lastRatio != 0 && c.now-a.lastRatio < w {
		return finding{observed: obs + ", alerted " + time.Duration(c.now-a.lastRatio).String() + " ago", limit: t.ratio}
	}
	return finding{fired: true, observed: obs, limit: t.ratio}
}
