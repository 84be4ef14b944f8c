package monitor

import (
	"bastion/high-side/intake"
	"bastion/shared/entry"

	"github.com/shopspring/decimal"
)

// Bounds of the market-abuse state kept per key. With them an activity
// record is about 2 KB, a symbol's tape about 3 KB and a symbol side's
// queue about 1.5 KB (amd64, ids of about 20 bytes), so State.MaxMarket
// keys of each kind take at most about 6.5 KB x MaxMarket: 130 MB for the
// built-in 20,000.
const (
	activityOrders = 16 // recent orders kept per trader and symbol
	activityFills  = 8  // recent executions kept per trader and symbol
	tapeFills      = 32 // recent executions kept per symbol
	queueOrders    = 16 // recent orders kept per symbol and side
	slotCount      = 10 // time slots per counting window
	slotsPerWindow = 8  // a window spans this many slots
)

// traderKey identifies one trader's activity in one symbol.
type traderKey struct {
	trader string
	symbol string
}

// sideKey identifies one side of one symbol.
type sideKey struct {
	symbol string
	side   entry.Side
}

// Kinds of counted order messages; every message also counts as msgAny.
const (
	msgAny = iota
	msgNew
	msgCancel
	msgExecute
	msgKinds
)

// activity is what one trader recently did in one symbol: orders placed
// (and whether cancelled), executions, message counts over the quote
// stuffing and cancel-ratio windows, and when those two rules last
// alerted.
type activity struct {
	orders    [activityOrders]placedOrder
	nextOrder int
	fills     [activityFills]ownFill
	nextFill  int
	burst     slots // quote_stuffing window
	ratio     slots // cancel_ratio window
	lastBurst int64 // commit ns of the last quote_stuffing alert; 0 if none
	lastRatio int64 // commit ns of the last cancel_ratio alert; 0 if none
}

// placedOrder is one recent order of an activity.
type placedOrder struct {
	orderID   string
	side      entry.Side
	qty       int64
	price     decimal.Decimal
	at        int64 // commit ns of the new or last modify
	cancelled int64 // commit ns of the cancel; 0 while not cancelled
}

// ownFill is one recent execution of an activity.
type ownFill struct {
	side entry.Side
	qty  int64
	at   int64
}

// find returns the kept order with id, or nil.
func (a *activity) find(id string) *placedOrder {
	for i := range a.orders {
		if a.orders[i].orderID == id && id != "" {
			return &a.orders[i]
		}
	}
	return nil
}

// tradedSince returns the quantity executed on side after t (ns).
func (a *activity) tradedSince(side entry.Side, t int64) int64 {
	var q int64
	for i := range a.fills {
		f := &a.fills[i]
		if f.qty > 0 && f.side == side && f.at >= t {
			q += f.qty
		}
	}
	return q
}

// record applies one committed order event.
func (a *activity) record(o *intake.Order, at int64) {
	kind := msgAny
	switch o.Event {
	case entry.OrderNew, entry.OrderModify:
		if o.Event == entry.OrderNew {
			kind = msgNew
		}
		if p := a.find(o.OrderID); p != nil {
			p.qty, p.price, p.at = o.Quantity, o.Price, at
			break
		}
		a.orders[a.nextOrder] = placedOrder{orderID: o.OrderID, side: o.Side, qty: o.Quantity, price: o.Price, at: at}
		a.nextOrder = (a.nextOrder + 1) % activityOrders
	case entry.OrderCancel:
		kind = msgCancel
		if p := a.find(o.OrderID); p != nil && p.cancelled == 0 {
			p.cancelled = at
		}
	case entry.OrderExecute:
		kind = msgExecute
		a.fills[a.nextFill] = ownFill{side: o.Side, qty: o.Quantity, at: at}
		a.nextFill = (a.nextFill + 1) % activityFills
	}
	a.burst.add(at, kind)
	a.ratio.add(at, kind)
}

// slots counts messages in time slots of a fixed width, a ring of
// slotCount. A count over a window of slotsPerWindow slots may include
// messages up to one slot older than the window: counting is by slot.
type slots struct {
	width int64 // ns
	s     [slotCount]slot
}

type slot struct {
	idx int64
	n   [msgKinds]uint32
}

func newSlots(window int64) slots {
	return slots{width: max(window/slotsPerWindow, 1)}
}

// add counts one message of kind at t (ns); kind msgAny counts it only as
// a message.
func (s *slots) add(t int64, kind int) {
	idx := floorDiv(t, s.width)
	sl := &s.s[mod(idx, slotCount)]
	if sl.idx != idx {
		*sl = slot{idx: idx}
	}
	sl.n[msgAny]++
	if kind != msgAny {
		sl.n[kind]++
	}
}

// sum returns the counts of the slots overlapping (now-span, now].
func (s *slots) sum(now, span int64) (n [msgKinds]int64) {
	lo, hi := floorDiv(now-span, s.width), floorDiv(now, s.width)
	for i := range s.s {
		sl := &s.s[i]
		if sl.idx < lo || sl.idx > hi || sl.n[msgAny] == 0 {
			continue
		}
		for k := range n {
			n[k] += int64(sl.n[k])
		}
	}
	return n
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func mod(a int64, n int) int {
	m := int(a % int64(n))
	if m < 0 {
		m += n
	}
	return m
}

// tape is a symbol's recent executions, for the wash-trade rule.
type tape struct {
	fills [tapeFills]tapeFill
	next  int
}

type tapeFill struct {
	trader  string
	orderID string
	side    entry.Side
	qty     int64
	price   decimal.Decimal
	at      int64
}

func (t *tape) add(f tapeFill) {
	t.fills[t.next] = f
	t.next = (t.next + 1) % tapeFills
}

// queue is a symbol side's recent orders that matter for front-running:
// every order of a proprietary or employee trader and every large client
// order.
type queue struct {
	orders [queueOrders]queuedOrder
	next   int
}

type queuedOrder struct {
	trader  string
	orderID string
	client  bool
	qty     int64
	at      int64
}

func (q *queue) add(o queuedOrder) {
	q.orders[q.next] = o
	q.next = (q.next + 1) % queueOrders
}

// marketState is the market-abuse part of the state.
type marketState struct {
	activity *lru[traderKey, *activity]
	tapes    *lru[string, *tape]
	queues   *lru[sideKey, *queue]
}

func newMarketState(max int) marketState {
	return marketState{
		activity: newLRU[traderKey, *activity](max, nil),
		tapes:    newLRU[string, *tape](max, nil),
		queues:   newLRU[sideKey, *queue](max, nil),
	}
}
