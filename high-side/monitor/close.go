package monitor

import (
	"strconv"
	"time"

	"bastion/shared/entry"
)

// session is the market close the marking-the-close rule watches.
type session struct {
	zone  *time.Location
	close time.Duration // after local midnight
}

func newSession(r *MarkingCloseRule) session {
	if r.Action == Off {
		return session{}
	}
	zone, _ := time.LoadLocation(r.Zone)          // checked by Validate
	hm, _ := time.Parse(closeTimeLayout, r.Close) // checked by Validate
	return session{zone: zone, close: time.Duration(hm.Hour())*time.Hour + time.Duration(hm.Minute())*time.Minute}
}

// untilClose returns how long before the day's close t (ns) lies, negative
// after it.
func (s session) untilClose(t int64) time.Duration {
	local := time.Unix(0, t).In(s.zone)
	y, mo, d := local.Date()
	closeAt := time.Date(y, mo, d, 0, 0, 0, 0, s.zone).Add(s.close)
	return closeAt.Sub(local)
}

// markingClose runs on new and amended orders within the window before the
// close: is the order aggressive and large enough?
func (m *Monitor) markingClose(c *orderCtx) finding {
	r, limit := &m.cfg.Orders.MarkingClose, m.text.market.marking
	left := m.session.untilClose(c.now)
	if left <= 0 || left > r.Window.Duration {
		return finding{observed: "outside the window before the close", limit: limit}
	}
	if c.o.Quantity < r.MinQty {
		return finding{observed: "order of " + strconv.FormatInt(c.o.Quantity, 10), limit: limit}
	}
	when := left.Round(time.Second).String() + " before the close"
	if !c.o.Price.IsPositive() {
		return finding{fired: true, observed: "market order " + when, limit: limit}
	}
	ref, ok := m.reference(c.o.Symbol)
	if !ok {
		return finding{observed: "no reference price " + when, limit: limit}
	}
	dev := c.o.Price.Sub(ref).Mul(hundred).DivRound(ref, 4)
	if c.o.Side == entry.Sell {
		dev = dev.Neg()
	}
	obs := c.o.Price.String() + " vs reference " + ref.String() + " (" + dev.Round(2).String() + "% aggressive) " + when
	return finding{fired: dev.GreaterThan(r.Percent.Decimal), observed: obs, limit: limit}
}
