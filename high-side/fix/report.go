package fix

import (
	"time"

	"github.com/shopspring/decimal"
)

// ExecutionReport is the content of an ExecutionReport (8) reply, and of
// an OrderCancelReject (9) when MsgType says so.
type ExecutionReport struct {
	MsgType      string // MsgExecutionReport or MsgOrderCancelReject
	OrderID      string // tag 37
	ExecID       string // tag 17 (8 only)
	ClOrdID      string // tag 11
	OrigClOrdID  string // tag 41, for cancels
	ExecType     string // tag 150 (8 only)
	OrdStatus    string // tag 39
	Account      string // tag 1
	Symbol       string // tag 55 (8 only)
	Side         string // tag 54 (8 only)
	OrderQty     decimal.Decimal
	Price        decimal.Decimal
	RejectReason string // tag 103 OrdRejReason on 8, 102 CxlRejReason on 9
	Text         string // tag 58: reason codes, comma separated
	TransactTime time.Time
}

// Message encodes the report. FIX 4.2 reports also carry ExecTransType
// (20) 0 (new), which FIX 4.4 dropped.
func (r ExecutionReport) Message(beginString string) *Message {
	if r.MsgType == MsgOrderCancelReject {
		return NewMessage(beginString, MsgOrderCancelReject).
			Add(TagOrderID, r.OrderID).
			Add(TagClOrdID, r.ClOrdID).
			Add(TagOrigClOrdID, r.OrigClOrdID).
			Add(TagOrdStatus, r.OrdStatus).
			Add(TagAccount, r.Account).
			Add(TagCxlRejResponseTo, "1").
			Add(TagCxlRejReason, r.RejectReason).
			Add(TagText, r.Text)
	}
	m := NewMessage(beginString, MsgExecutionReport).
		Add(TagOrderID, r.OrderID).
		Add(TagClOrdID, r.ClOrdID).
		Add(TagOrigClOrdID, r.OrigClOrdID).
		Add(TagExecID, r.ExecID)
	if beginString == FIX42 {
		m.Add(TagExecTransType, "0")
	}
	m.Add(TagExecType, r.ExecType).
		Add(TagOrdStatus, r.OrdStatus).
		Add(TagAccount, r.Account).
		Add(TagSymbol, r.Symbol).
		Add(TagSide, r.Side).
		Add(TagOrderQty, r.OrderQty.String())
	if r.Price.IsPositive() {
		m.Add(TagPrice, r.Price.String())
	}
	leaves := r.OrderQty
	if r.OrdStatus == StatusRejected || r.OrdStatus == StatusCanceled {
		leaves = decimal.Zero
	}
	return m.Add(TagLeavesQty, leaves.String()).
		Add(TagCumQty, "0").
		Add(TagAvgPx, "0").
		Add(TagOrdRejReason, r.RejectReason).
		Add(TagText, r.Text).
		Add(TagTransactTime, FormatTime(r.TransactTime))
}

// ParseExecutionReport reads an 8 or 9 message leniently: absent optional
// fields stay zero. It returns a *FieldError when 11 or 39 is missing.
func ParseExecutionReport(m *Message) (ExecutionReport, error) {
	r := ExecutionReport{MsgType: m.MsgType}
	var err error
	if r.ClOrdID, err = m.Require(TagClOrdID); err != nil {
		return r, err
	}
	if r.OrdStatus, err = m.Require(TagOrdStatus); err != nil {
		return r, err
	}
	r.OrderID, _ = m.Get(TagOrderID)
	r.ExecID, _ = m.Get(TagExecID)
	r.OrigClOrdID, _ = m.Get(TagOrigClOrdID)
	r.ExecType, _ = m.Get(TagExecType)
	r.Account, _ = m.Get(TagAccount)
	r.Symbol, _ = m.Get(TagSymbol)
	r.Side, _ = m.Get(TagSide)
	r.Text, _ = m.Get(TagText)
	r.RejectReason, _ = m.Get(TagOrdRejReason)
	if m.MsgType == MsgOrderCancelReject {
		r.RejectReason, _ = m.Get(TagCxlRejReason)
	}
	if m.Has(TagOrderQty) {
		r.OrderQty, _ = m.Decimal(TagOrderQty)
	}
	if m.Has(TagPrice) {
		r.Price, _ = m.Decimal(TagPrice)
	}
	if m.Has(TagTransactTime) {
		r.TransactTime, _ = m.Time(TagTransactTime)
	}
	return r, nil
}
