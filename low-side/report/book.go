package report

import (
	"bastion/shared/entry"
)

// OrderBook is the CAT view of orders over time: for each open order the
// key CAT links its events by (the order key date and the order id), its
// quantity and what is left of it. It sees every order event the ledger
// released, day after day, and skips events the risk controls rejected:
// those never took effect. It is not safe for concurrent use.
type OrderBook struct {
	orders map[string]*bookOrder
}

// bookOrder is one open order.
type bookOrder struct {
	keyDate  int64 // ns since the epoch, UTC: when the current key was made
	quantity int64
	leaves   int64
	account  string // commitment on the new-order event
}

// NewOrderBook returns an empty book.
func NewOrderBook() *OrderBook { return &OrderBook{orders: map[string]*bookOrder{}} }

// Open returns the number of open orders.
func (b *OrderBook) Open() int { return len(b.orders) }

// orderChange is what one order event did to the book: the order as it was before
// (nil for a new order or an unknown one) and as it is after.
type orderChange struct {
	before, after bookOrder
	known         bool  // the order was open before the event
	cancelQty     int64 // shares cancelled by a cancel event
}

// Apply moves the book by one entry and reports what it did; entries that
// are not order events, or were rejected, leave it alone (ok false).
func (b *OrderBook) Apply(e DayEntry) (orderChange, entry.Order, bool) {
	var o entry.Order
	if e.Env.Type != entry.TypeOrder || decodeBody(e.Env, &o) != nil {
		return orderChange{}, o, false
	}
	if d := e.Env.Decision; d != nil && d.Outcome == entry.Reject {
		return orderChange{}, o, false
	}
	cur, known := b.orders[o.OrderID]
	s := orderChange{known: known}
	if known {
		s.before = *cur
	}
	b.move(o, e.Env.Time, &s)
	return s, o, true
}

// move applies order event o at time t; s.before is already set.
func (b *OrderBook) move(o entry.Order, t int64, s *orderChange) {
	switch o.Event {
	case entry.OrderNew:
		s.after = bookOrder{keyDate: t, quantity: o.Quantity, leaves: o.Quantity, account: o.Account}
	case entry.OrderModify:
		if !s.known {
			return
		}
		filled := s.before.quantity - s.before.leaves
		s.after = bookOrder{keyDate: t, quantity: o.Quantity, leaves: o.Quantity - filled, account: s.before.account}
	case entry.OrderCancel:
		if !s.known {
			return
		}
		s.cancelQty = s.before.leaves
		if o.Quantity > 0 && o.Quantity < s.before.leaves {
			s.cancelQty = o.Quantity
		}
		s.after = s.before
		s.after.leaves -= s.cancelQty
	case entry.OrderExecute:
		if !s.known {
			return
		}
		s.after = s.before
		s.after.leaves = max(0, s.before.leaves-o.Quantity)
	case entry.OrderRoute:
		s.after = s.before
	}
	b.store(o.OrderID, o.Event, s)
}

// store keeps the order while anything is left of it.
func (b *OrderBook) store(id string, ev entry.OrderEvent, s *orderChange) {
	if !s.known && ev != entry.OrderNew {
		return
	}
	if s.after.leaves <= 0 && ev != entry.OrderNew && ev != entry.OrderModify {
		delete(b.orders, id)
		return
	}
	after := s.after
	b.orders[id] = &after
}

// Clone returns a copy of the book that moves independently.
func (b *OrderBook) Clone() *OrderBook {
	c := NewOrderBook()
	for id, o := range b.orders {
		cp := *o
		c.orders[id] = &cp
	}
	return c
}
