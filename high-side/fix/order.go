package fix

import (
	"time"

	"github.com/shopspring/decimal"
)

// NewOrderSingle is the content of a NewOrderSingle (D) message.
type NewOrderSingle struct {
	ClOrdID      string          // tag 11, the firm's order id
	Account      string          // tag 1, optional
	SenderSubID  string          // tag 50 (header), the trader's desk id, optional
	Symbol       string          // tag 55
	Side         string          // tag 54, SideBuy, SideSell, ...
	OrderQty     decimal.Decimal // tag 38, a whole number of shares
	OrdType      string          // tag 40, OrdTypeMarket or OrdTypeLimit
	Price        decimal.Decimal // tag 44, required for limit orders
	TransactTime time.Time       // tag 60
}

// Message returns the order as a D message body.
func (o NewOrderSingle) Message(beginString string) *Message {
	m := NewMessage(beginString, MsgNewOrderSingle).
		Add(TagSenderSubID, o.SenderSubID).
		Add(TagClOrdID, o.ClOrdID).
		Add(TagAccount, o.Account).
		Add(TagSymbol, o.Symbol).
		Add(TagSide, o.Side).
		Add(TagOrderQty, o.OrderQty.String()).
		Add(TagOrdType, o.OrdType)
	if o.OrdType != OrdTypeMarket {
		m.Add(TagPrice, o.Price.String())
	}
	return m.Add(TagTransactTime, FormatTime(o.TransactTime))
}

// ParseNewOrderSingle reads a D message. It returns a *FieldError naming
// the first required tag missing (11, 55, 54, 38, 40, 60; 44 for a limit
// order) or the first value out of range.
func ParseNewOrderSingle(m *Message) (NewOrderSingle, error) {
	var o NewOrderSingle
	var err error
	o.Account, _ = m.Get(TagAccount)
	o.SenderSubID, _ = m.Get(TagSenderSubID)
	if o.ClOrdID, err = m.Require(TagClOrdID); err != nil {
		return o, err
	}
	if o.Symbol, o.Side, err = symbolSide(m); err != nil {
		return o, err
	}
	if o.OrderQty, err = quantity(m, true); err != nil {
		return o, err
	}
	if o.OrdType, o.Price, err = ordTypePrice(m); err != nil {
		return o, err
	}
	o.TransactTime, err = m.Time(TagTransactTime)
	return o, err
}

func symbolSide(m *Message) (string, string, error) {
	symbol, err := m.Require(TagSymbol)
	if err != nil {
		return "", "", err
	}
	side, err := m.Require(TagSide)
	if err != nil {
		return "", "", err
	}
	switch side {
	case SideBuy, SideSell, SideSellShort, SideSellShortExempt:
		return symbol, side, nil
	}
	return "", "", badValue(TagSide, side, "is not 1 (buy), 2 (sell), 5 or 6 (sell short)")
}

// quantity reads OrderQty (38) as a positive whole number.
func quantity(m *Message, required bool) (decimal.Decimal, error) {
	if !required && !m.Has(TagOrderQty) {
		return decimal.Zero, nil
	}
	q, err := m.Decimal(TagOrderQty)
	if err != nil {
		return q, err
	}
	if !q.IsPositive() || !q.IsInteger() || q.GreaterThan(decimal.New(1, 12)) {
		v, _ := m.Get(TagOrderQty)
		return q, badValue(TagOrderQty, v, "is not a whole number from 1 to 10^12")
	}
	return q, nil
}

func ordTypePrice(m *Message) (string, decimal.Decimal, error) {
	ordType, err := m.Require(TagOrdType)
	if err != nil {
		return "", decimal.Zero, err
	}
	switch ordType {
	case OrdTypeMarket:
		return ordType, decimal.Zero, nil
	case OrdTypeLimit:
	default:
		return "", decimal.Zero, badValue(TagOrdType, ordType, "is not 1 (market) or 2 (limit)")
	}
	price, err := m.Decimal(TagPrice)
	if err == nil && !price.IsPositive() {
		v, _ := m.Get(TagPrice)
		err = badValue(TagPrice, v, "is not positive")
	}
	return ordType, price, err
}

// OrderCancelRequest is the content of an OrderCancelRequest (F) message.
type OrderCancelRequest struct {
	OrigClOrdID  string          // tag 41, the order to cancel
	ClOrdID      string          // tag 11, this request's id
	Account      string          // tag 1, optional
	SenderSubID  string          // tag 50 (header), optional
	Symbol       string          // tag 55
	Side         string          // tag 54
	OrderQty     decimal.Decimal // tag 38, optional (zero when absent)
	TransactTime time.Time       // tag 60
}

// Message returns the request as an F message body.
func (c OrderCancelRequest) Message(beginString string) *Message {
	m := NewMessage(beginString, MsgOrderCancelRequest).
		Add(TagSenderSubID, c.SenderSubID).
		Add(TagOrigClOrdID, c.OrigClOrdID).
		Add(TagClOrdID, c.ClOrdID).
		Add(TagAccount, c.Account).
		Add(TagSymbol, c.Symbol).
		Add(TagSide, c.Side)
	if c.OrderQty.IsPositive() {
		m.Add(TagOrderQty, c.OrderQty.String())
	}
	return m.Add(TagTransactTime, FormatTime(c.TransactTime))
}

// ParseOrderCancelRequest reads an F message, returning a *FieldError
// naming the first required tag missing (41, 11, 55, 54, 60) or malformed.
func ParseOrderCancelRequest(m *Message) (OrderCancelRequest, error) {
	var c OrderCancelRequest
	var err error
	c.Account, _ = m.Get(TagAccount)
	c.SenderSubID, _ = m.Get(TagSenderSubID)
	if c.OrigClOrdID, err = m.Require(TagOrigClOrdID); err != nil {
		return c, err
	}
	if c.ClOrdID, err = m.Require(TagClOrdID); err != nil {
		return c, err
	}
	if c.Symbol, c.Side, err = symbolSide(m); err != nil {
		return c, err
	}
	if c.OrderQty, err = quantity(m, false); err != nil {
		return c, err
	}
	c.TransactTime, err = m.Time(TagTransactTime)
	return c, err
}
