package monitor

import (
	"errors"
	"time"

	"bastion/high-side/intake"
	"bastion/shared/entry"

	"github.com/shopspring/decimal"
)

// errNoValuation is the error of a rule that needs a notional for an order
// with no price and no reference price.
var errNoValuation = errors.New("cannot value order: no price and no reference price")

// orderCtx is one order under decision with what every rule needs.
type orderCtx struct {
	o        *intake.Order
	t        *text // where rules write observed values
	now      int64
	firm     string
	value    num // notional; see notional for the custom rules
	valueErr error
	open     openOrder
	isOpen   bool
}

// Events an order rule applies to.
const (
	evNew = 1 << iota
	evModify
	evCancel
	evRoute
	evExecute

	evEntering = evNew | evModify
	evAll      = evNew | evModify | evCancel | evRoute | evExecute
)

// eventBit returns the bit of an order event, 0 for an unknown one.
func eventBit(e entry.OrderEvent) int {
	switch e {
	case entry.OrderNew:
		return evNew
	case entry.OrderModify:
		return evModify
	case entry.OrderCancel:
		return evCancel
	case entry.OrderRoute:
		return evRoute
	case entry.OrderExecute:
		return evExecute
	}
	return 0
}

// checksFor returns the most checks an order decision on events ev
// records: ordCap less the enabled rules that do not apply to ev.
func (m *Monitor) checksFor(ev int) int {
	n := m.ordCap
	for i := range orderRules {
		if orderRules[i].events&ev == 0 && m.ordActs[i] != Off {
			n--
		}
	}
	return n
}

// orderRule is one built-in order rule: its check name, reason code, the
// events it applies to and how it is evaluated.
type orderRule struct {
	name   string
	reason string
	events int
	eval   func(*Monitor, *orderCtx) finding
}

// orderRules run in this order; their checks are recorded in it. A cancel
// is never stopped by the kill switch: halting must not trap open orders.
var orderRules = []orderRule{
	{"kill_switch", entry.ReasonKillSwitch, evAll &^ evCancel, (*Monitor).killSwitch},
	{"restricted_list", entry.ReasonRestrictedList, evEntering | evRoute, (*Monitor).restricted},
	{"watch_list", entry.ReasonWatchList, evEntering | evRoute, (*Monitor).watched},
	{"duplicate_id", entry.ReasonDuplicateOrder, evAll, (*Monitor).duplicateID},
	{"duplicate_order", entry.ReasonDuplicateOrder, evNew, (*Monitor).duplicateOrder},
	{"unknown_order", entry.ReasonUnknownOrder, evAll &^ evNew, (*Monitor).unknownOrder},
	{"order_size", entry.ReasonOrderSize, evEntering, (*Monitor).orderSize},
	{"price_collar", entry.ReasonPriceCollar, evEntering, (*Monitor).priceCollar},
	{"notional_limit", entry.ReasonNotionalLimit, evEntering, (*Monitor).notionalLimit},
	{"credit_limit", entry.ReasonCreditLimit, evEntering, (*Monitor).creditRule},
	{"capital_limit", entry.ReasonCapitalLimit, evEntering, (*Monitor).capitalRule},
	{"spoofing", entry.ReasonSpoofing, evCancel, (*Monitor).spoofing},
	{"layering", entry.ReasonLayering, evCancel, (*Monitor).layering},
	{"quote_stuffing", entry.ReasonQuoteStuffing, evAll, (*Monitor).quoteStuffing},
	{"cancel_ratio", entry.ReasonCancelRatio, evNew | evCancel, (*Monitor).cancelRatio},
	{"wash_trade", entry.ReasonWashTrade, evExecute, (*Monitor).washTrade},
	{"marking_close", entry.ReasonMarkingClose, evEntering, (*Monitor).markingClose},
	{"front_running", entry.ReasonFrontRunning, evNew, (*Monitor).frontRunning},
	{"insider_dealing", entry.ReasonInsiderDealing, evEntering, (*Monitor).insiderDealing},
}

// orderActions returns the configured action of each of orderRules.
func orderActions(r *OrderRules) []Action {
	return []Action{
		r.KillSwitch.Action, r.Restricted.Action, r.Watch.Action, r.DuplicateID.Action,
		r.Duplicate.Action, r.UnknownOrder.Action, r.Size.Action, r.Collar.Action,
		r.Notional.Action, r.Credit.Action, r.Capital.Action,
		r.Spoofing.Action, r.Layering.Action, r.QuoteStuffing.Action, r.CancelRatio.Action,
		r.WashTrade.Action, r.MarkingClose.Action, r.FrontRunning.Action, r.Insider.Action,
	}
}

// DecideOrder decides an order event against the committed state without
// changing it. Every enabled rule that applies to the event is listed in
// the Decision's checks; a rule that errors is recorded as errored and the
// decision is still made. now is the decision time.
func (m *Monitor) DecideOrder(o intake.Order, now time.Time) entry.Decision {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := getScratch()
	defer s.release()
	s.order = o
	v := newVerdictCap(m.cfg.Version, m.checksFor(eventBit(o.Event)))
	v.text = &s.text
	return m.decideOrder(v, s, now)
}

// decideOrder runs the order rules on s.order, writing observed values
// into v's text, and returns the decision. The caller holds the read lock.
func (m *Monitor) decideOrder(v *verdict, s *scratch, now time.Time) entry.Decision {
	ev := eventBit(s.order.Event)
	if !checkWellFormed(v, wellFormedOrder(&s.order)) {
		return v.finish()
	}
	s.octx.t = v.text
	c := m.fillOrderContext(&s.octx, &s.order, now)
	for i := range orderRules {
		r := &orderRules[i]
		if r.events&ev == 0 {
			continue
		}
		if a := m.ordActs[i]; a != Off {
			v.record(r.name, a, r.reason, m.evalOrder(r.eval, c))
		}
	}
	for i := range m.custOrd {
		m.runCustom(v, &m.custOrd[i], orderFieldsOf{c})
	}
	m.evalCustomOrder(v, c)
	return v.finish()
}

// evalOrder runs one rule, turning a panic into the rule's error.
func (m *Monitor) evalOrder(eval func(*Monitor, *orderCtx) finding, c *orderCtx) (f finding) {
	defer recoverRule(&f)
	return eval(m, c)
}

// orderContext returns a new context for order o decided at now.
func (m *Monitor) orderContext(o *intake.Order, now time.Time) *orderCtx {
	return m.fillOrderContext(&orderCtx{t: &text{}}, o, now)
}

// fillOrderContext fills c, keeping its text, for order o decided at now
// and returns it.
func (m *Monitor) fillOrderContext(c *orderCtx, o *intake.Order, now time.Time) *orderCtx {
	*c = orderCtx{o: o, t: c.t, now: now.UnixNano()}
	c.firm = m.cfg.Traders[o.Trader].Firm
	c.open, c.isOpen = m.st.orders.peek(o.OrderID)
	price := o.Price
	if !price.IsPositive() {
		ref, ok := m.reference(o.Symbol)
		if !ok {
			c.valueErr = errNoValuation
			return c
		}
		price = ref
	}
	c.value = numOf(price).mul(numInt(o.Quantity))
	return c
}

// notional returns the order's notional as a decimal, for the custom
// rules; the built-in rules read value, which deciding need not convert.
func (c *orderCtx) notional() decimal.Decimal { return c.value.dec() }

// reference returns the collar's reference price of a symbol: the last
// accepted price, or else the configured one.
func (m *Monitor) reference(symbol string) (decimal.Decimal, bool) {
	if p, ok := m.st.prices.peek(symbol); ok {
		return p, true
	}
	if p, ok := m.cfg.Orders.Collar.Reference[symbol]; ok {
		return p.Decimal, true
	}
	return decimal.Decimal{}, false
}

func (m *Monitor) killSwitch(c *orderCtx) finding {
	if m.halt[haltKey{ScopeTrader, c.o.Trader}] {
		return finding{fired: true, observed: "trader " + c.o.Trader + " halted", limit: "not halted"}
	}
	if m.halt[haltKey{ScopeFirm, c.firm}] {
		return finding{fired: true, observed: "firm " + c.firm + " halted", limit: "not halted"}
	}
	return finding{observed: "active", limit: "not halted"}
}

func (m *Monitor) restricted(c *orderCtx) finding { return listed(m.restrict, c.o.Symbol) }

func (m *Monitor) watched(c *orderCtx) finding { return listed(m.watch, c.o.Symbol) }

// listed looks a symbol up in a restricted or watch list.
func listed(list map[string]string, symbol string) finding {
	if src, ok := list[symbol]; ok {
		return finding{fired: true, observed: symbol, limit: "listed: " + src}
	}
	return finding{observed: symbol, limit: "not listed"}
}

func (m *Monitor) duplicateID(c *orderCtx) finding {
	at := c.t.mark()
	c.t.str(c.o.OrderID).str(" ").str(string(c.o.Event))
	if _, seen := m.st.events.peek(orderEventKey{c.o.OrderID, c.o.Event}); seen {
		c.t.str(" already committed")
		return finding{fired: true, obs: c.t.since(at), limit: "once"}
	}
	return finding{obs: c.t.since(at), limit: "once"}
}

func (m *Monitor) duplicateOrder(c *orderCtx) finding {
	w := int64(m.cfg.Orders.Duplicate.Window.Duration)
	at, ok := m.st.prints.peek(fingerprintOf(c.o))
	if ok && c.now-at < w {
		obs := "same order " + time.Duration(c.now-at).String() + " earlier"
		return finding{fired: true, observed: obs, limit: m.text.duplicate}
	}
	return finding{observed: "none", limit: m.text.duplicate}
}

func fingerprintOf(o *intake.Order) fingerprint {
	return fingerprint{o.Trader, o.Symbol, o.Side, o.Quantity, priceKeyOf(o.Price)}
}

func (m *Monitor) unknownOrder(c *orderCtx) finding {
	at := c.t.mark()
	if !c.isOpen {
		c.t.str(c.o.OrderID).str(" not open")
		return finding{fired: true, obs: c.t.since(at), limit: "open order"}
	}
	c.t.str(c.o.OrderID).str(" open")
	return finding{obs: c.t.since(at), limit: "open order"}
}

func (m *Monitor) orderSize(c *orderCtx) finding {
	maxQty, limit := m.text.limits.size(c.o.Trader)
	at := c.t.mark()
	c.t.int(c.o.Quantity)
	return finding{fired: c.o.Quantity > maxQty, obs: c.t.since(at), limit: limit}
}

// priceCollar compares the price with the reference, in percent of the
// reference. A market order (no price) and a symbol with no reference pass.
func (m *Monitor) priceCollar(c *orderCtx) finding {
	if !c.o.Price.IsPositive() {
		return finding{observed: "market order", limit: m.text.collar}
	}
	ref, ok := m.reference(c.o.Symbol)
	if !ok {
		return finding{observed: "no reference price", limit: m.text.collar}
	}
	price, r := numOf(c.o.Price), numOf(ref)
	dev := price.sub(r).abs().mul(numInt(100)).divRound(r, 4)
	at := c.t.mark()
	c.t.num(price).str(" vs reference ").num(r).str(" (").num(dev.round(2)).str("%)")
	return finding{
		fired: dev.cmp(numOf(m.cfg.Orders.Collar.Percent.Decimal)) > 0,
		obs:   c.t.since(at),
		limit: m.text.collar,
	}
}

var hundred = decimal.NewFromInt(100)

func (m *Monitor) notionalLimit(c *orderCtx) finding {
	if c.valueErr != nil {
		return finding{err: c.valueErr}
	}
	limit, text := m.text.limits.notional(c.o.Trader)
	at := c.t.mark()
	c.t.num(c.value)
	return finding{fired: c.value.cmp(numOf(limit)) > 0, obs: c.t.since(at), limit: text}
}

func (m *Monitor) creditRule(c *orderCtx) finding {
	acct := c.o.Account
	limit, text := m.text.limits.credit(acct)
	return m.aggregate(c, m.st.exposure[acct], limit, text, c.open.account == acct)
}

func (m *Monitor) capitalRule(c *orderCtx) finding {
	limit, text := m.text.limits.capital(c.firm)
	return m.aggregate(c, m.st.firmExp[c.firm], limit, text, c.open.firm == c.firm)
}

// aggregate checks open notional plus this order against a limit. For a
// modify of an order counted in the same aggregate, the order's current
// notional is replaced rather than added to.
func (m *Monitor) aggregate(c *orderCtx, open, limit decimal.Decimal, text string, replaces bool) finding {
	if c.valueErr != nil {
		return finding{err: c.valueErr}
	}
	total := numOf(open).add(c.value)
	if c.o.Event == entry.OrderModify && c.isOpen && replaces {
		total = total.sub(numOf(c.open.price).mul(numInt(c.open.qty)))
	}
	at := c.t.mark()
	c.t.num(total)
	return finding{fired: total.cmp(numOf(limit)) > 0, obs: c.t.since(at), limit: text}
}

// orderFieldsOf exposes an order to custom rules.
type orderFieldsOf struct{ c *orderCtx }

func (g orderFieldsOf) text(field string) string {
	o := g.c.o
	switch field {
	case "symbol":
		return o.Symbol
	case "side":
		return string(o.Side)
	case "event":
		return string(o.Event)
	case "trader":
		return o.Trader
	}
	return o.Source
}

func (g orderFieldsOf) number(field string) (decimal.Decimal, error) {
	switch field {
	case "qty":
		return decimal.NewFromInt(g.c.o.Quantity), nil
	case "price":
		return g.c.o.Price, nil
	}
	return g.c.notional(), g.c.valueErr
}

// runCustom evaluates one custom rule.
func (m *Monitor) runCustom(v *verdict, r *customRule, g fieldGetter) {
	v.run(r.name, r.action, r.reason, func() finding {
		ok, err := r.cond.eval(g)
		if err != nil {
			return finding{err: err}
		}
		obs := "no match"
		if ok {
			obs = "match"
		}
		return finding{fired: ok, observed: obs, limit: r.expr}
	})
}
