package monitor

import (
	"cmp"
	"log/slog"

	"bastion/shared/entry"

	"github.com/shopspring/decimal"
)

// state is everything the monitor has learnt from committed entries.
type state struct {
	orders   *lru[string, openOrder]       // order_id -> open order
	exposure map[string]decimal.Decimal    // account -> open notional
	firmExp  map[string]decimal.Decimal    // firm -> open notional
	prices   *lru[string, decimal.Decimal] // symbol -> last accepted price
	events   *lru[orderEventKey, struct{}] // order_id+event already committed
	prints   *lru[fingerprint, int64]      // order fingerprint -> last commit ns
	out      *lru[string, *flow]           // account -> outgoing payments
	in       *lru[string, *flow]           // account -> incoming payments
	txs      *lru[txKey, struct{}]         // transactions already observed
	alerted  *lru[alertKey, struct{}]      // (transaction, rule) alerts raised
	market   marketState                   // market-abuse detectors
	history  int
}

// openOrder is what an accepted order leaves open: its remaining quantity
// valued at its price.
type openOrder struct {
	account string
	firm    string
	qty     int64
	price   decimal.Decimal
}

func (o openOrder) notional() decimal.Decimal {
	return o.price.Mul(decimal.NewFromInt(o.qty))
}

type orderEventKey struct {
	orderID string
	event   entry.OrderEvent
}

// fingerprint identifies an order by content, for the duplicate window.
type fingerprint struct {
	trader string
	symbol string
	side   entry.Side
	qty    int64
	price  priceKey
}

// txKey identifies a transaction: its idempotency key, or for an order
// submitted without one, its order id and event.
type txKey struct {
	typ   entry.Type
	id    string
	event entry.OrderEvent
}

// String renders the key for an Alert: the id, or "order_id/event".
func (k txKey) String() string {
	if k.event == "" {
		return k.id
	}
	return k.id + "/" + string(k.event)
}

type alertKey struct {
	tx   txKey
	rule string
}

func newState(c StateConfig, log *slog.Logger) *state {
	s := &state{
		market:   newMarketState(cmp.Or(c.MaxMarket, defaultMaxMarket)),
		exposure: map[string]decimal.Decimal{},
		firmExp:  map[string]decimal.Decimal{},
		prices:   newLRU[string, decimal.Decimal](c.MaxKeys, nil),
		events:   newLRU[orderEventKey, struct{}](c.MaxKeys, nil),
		prints:   newLRU[fingerprint, int64](c.MaxKeys, nil),
		out:      newLRU[string, *flow](c.MaxAccounts, nil),
		in:       newLRU[string, *flow](c.MaxAccounts, nil),
		txs:      newLRU[txKey, struct{}](c.MaxKeys, nil),
		alerted:  newLRU[alertKey, struct{}](c.MaxKeys, nil),
		history:  c.History,
	}
	s.orders = newLRU(c.MaxOrders, func(id string, o openOrder) {
		log.Warn("open-order table full: oldest order no longer counted in exposure",
			slog.String("order_id", id), slog.Int("max_orders", c.MaxOrders))
		s.release(o, o.qty)
	})
	return s
}

// open records an accepted order's exposure.
func (s *state) open(id string, o openOrder) {
	if old, ok := s.orders.peek(id); ok {
		s.release(old, old.qty)
	}
	s.orders.put(id, o)
	addTo(s.exposure, o.account, o.notional())
	addTo(s.firmExp, o.firm, o.notional())
}

// release removes qty of an open order from the exposures.
func (s *state) release(o openOrder, qty int64) {
	n := o.price.Mul(decimal.NewFromInt(qty)).Neg()
	addTo(s.exposure, o.account, n)
	addTo(s.firmExp, o.firm, n)
}

// addTo adds d to m[k], deleting the key when it returns to zero so the map
// holds only keys with open orders.
func addTo(m map[string]decimal.Decimal, k string, d decimal.Decimal) {
	v := m[k].Add(d)
	if v.IsZero() {
		delete(m, k)
		return
	}
	m[k] = v
}

// flowOf returns the ring of account in l, creating it.
func (s *state) flowOf(l *lru[string, *flow], account string) *flow {
	f, ok := l.peek(account)
	if !ok {
		f = newFlow(s.history)
	}
	l.put(account, f)
	return f
}
