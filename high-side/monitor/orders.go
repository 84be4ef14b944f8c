package monitor

import (
	"errors"
	"strconv"
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
	now      int64
	firm     string
	notional decimal.Decimal
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

var eventBits = map[entry.OrderEvent]int{
	entry.OrderNew: evNew, entry.OrderModify: evModify, entry.OrderCancel: evCancel,
	entry.OrderRoute: evRoute, entry.OrderExecute: evExecute,
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
	v := newVerdictCap(m.cfg.Version, m.ordCap)
	if !checkWellFormed(v, wellFormedOrder(&o)) {
		return v.d
	}
	c := m.orderContext(&o, now)
	ev := eventBits[o.Event]
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
	return v.d
}

// evalOrder runs one rule, turning a panic into the rule's error.
func (m *Monitor) evalOrder(eval func(*Monitor, *orderCtx) finding, c *orderCtx) (f finding) {
	defer recoverRule(&f)
	return eval(m, c)
}

func (m *Monitor) orderContext(o *intake.Order, now time.Time) *orderCtx {
	c := &orderCtx{o: o, now: now.UnixNano()}
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
	c.notional = price.Mul(decimal.NewFromInt(o.Quantity))
	return c
}

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
	obs := c.o.OrderID + " " + string(c.o.Event)
	if _, seen := m.st.events.peek(orderEventKey{c.o.OrderID, c.o.Event}); seen {
		return finding{fired: true, observed: obs + " already committed", limit: "once"}
	}
	return finding{observed: obs, limit: "once"}
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
	return fingerprint{o.Trader, o.Symbol, o.Side, o.Quantity, o.Price.String()}
}

func (m *Monitor) unknownOrder(c *orderCtx) finding {
	if !c.isOpen {
		return finding{fired: true, observed: c.o.OrderID + " not open", limit: "open order"}
	}
	return finding{observed: c.o.OrderID + " open", limit: "open order"}
}

func (m *Monitor) orderSize(c *orderCtx) finding {
	_, _, maxQty := m.traderLimits(c.o.Trader)
	return finding{
		fired:    c.o.Quantity > maxQty,
		observed: strconv.FormatInt(c.o.Quantity, 10),
		limit:    strconv.FormatInt(maxQty, 10),
	}
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
	dev := c.o.Price.Sub(ref).Abs().Mul(hundred).DivRound(ref, 4)
	return finding{
		fired:    dev.GreaterThan(m.cfg.Orders.Collar.Percent.Decimal),
		observed: c.o.Price.String() + " vs reference " + ref.String() + " (" + dev.Round(2).String() + "%)",
		limit:    m.text.collar,
	}
}

var hundred = decimal.NewFromInt(100)

func (m *Monitor) notionalLimit(c *orderCtx) finding {
	if c.valueErr != nil {
		return finding{err: c.valueErr}
	}
	_, limit, _ := m.traderLimits(c.o.Trader)
	return finding{fired: c.notional.GreaterThan(limit), observed: c.notional.String(), limit: limit.String()}
}

func (m *Monitor) creditRule(c *orderCtx) finding {
	acct := c.o.Account
	return m.aggregate(c, m.st.exposure[acct], m.creditLimit(acct), c.open.account == acct)
}

func (m *Monitor) capitalRule(c *orderCtx) finding {
	return m.aggregate(c, m.st.firmExp[c.firm], m.capitalLimit(c.firm), c.open.firm == c.firm)
}

// aggregate checks open notional plus this order against a limit. For a
// modify of an order counted in the same aggregate, the order's current
// notional is replaced rather than added to.
func (m *Monitor) aggregate(c *orderCtx, open, limit decimal.Decimal, replaces bool) finding {
	if c.valueErr != nil {
		return finding{err: c.valueErr}
	}
	total := open.Add(c.notional)
	if c.o.Event == entry.OrderModify && c.isOpen && replaces {
		total = total.Sub(c.open.notional())
	}
	return finding{fired: total.GreaterThan(limit), observed: total.String(), limit: limit.String()}
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
	return g.c.notional, g.c.valueErr
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
