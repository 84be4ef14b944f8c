package monitor

import "fmt"

// marketTexts holds the limit strings and integer thresholds of the
// market-abuse rules, rendered once from the rule pack.
type marketTexts struct {
	spoofing     string
	spoofRatioBP int64
	layering     string
	stuffing     string
	stuffingIn   string // " messages in <window>"
	ratio        string
	ratioIn      string // " executed in <window>"
	cancelBP     int64
	otrBP        int64
	wash         string
	marking      string
	front        string
	insider      string
}

func newMarketTexts(o *OrderRules) marketTexts {
	s, l, q, r := &o.Spoofing, &o.Layering, &o.QuoteStuffing, &o.CancelRatio
	return marketTexts{
		spoofing: fmt.Sprintf("no cancel of %d or more within %s of entry, at least %s x the quantity traded on the other side",
			s.MinQty, s.Window, s.Ratio),
		spoofRatioBP: basisPoints(s.Ratio.Decimal),
		layering: fmt.Sprintf("fewer than %d levels or %d shares placed and cancelled on one side within %s",
			l.Levels, l.MinQty, l.Window),
		stuffing: fmt.Sprintf("at most %d messages per trader and symbol in %s", q.Max, q.Window),
		ratio: fmt.Sprintf("from %d new orders in %s: cancelled at most %s of them, at most %s per execution",
			r.MinOrders, r.Window, r.MaxCancel, r.MaxOrderTrade),
		stuffingIn: " messages in " + q.Window.String(),
		ratioIn:    " executed in " + r.Window.String(),
		cancelBP:   basisPoints(r.MaxCancel.Decimal),
		otrBP:      basisPoints(r.MaxOrderTrade.Decimal),
		wash:       fmt.Sprintf("no fill between traders of one owner within %s", o.WashTrade.Window),
		marking: fmt.Sprintf("no order of %d or more over %s%% aggressive within %s before %s %s",
			o.MarkingClose.MinQty, o.MarkingClose.Percent, o.MarkingClose.Window, o.MarkingClose.Close, o.MarkingClose.Zone),
		front: fmt.Sprintf("no proprietary or employee order within %s of a client order of %d or more, same side",
			o.FrontRunning.Window, o.FrontRunning.MinQty),
		insider: fmt.Sprintf("no insider order within %d days before an issuer event", o.Insider.Days),
	}
}
