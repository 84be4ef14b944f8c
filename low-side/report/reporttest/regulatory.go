package reporttest

import (
	"time"

	"github.com/shopspring/decimal"

	"bastion/low-side/report"
	"bastion/shared/entry"
)

// OrderEvent returns an encoded order entry: entry id id, event ev of
// order orderID, qty shares of AAPL at 585.33, by trader T1.
func OrderEvent(id, orderID string, ev entry.OrderEvent, side entry.Side, qty int64, at time.Time,
	d *entry.Decision) []byte {
	return encode(entry.TypeOrder, id, at, d, entry.Order{
		OrderID: orderID, Event: ev, Symbol: "AAPL", Side: side, Quantity: qty,
		Price: decimal.RequireFromString("585.33"), Trader: "T1", Account: commitment, Source: "api",
	})
}

// Override returns an encoded approval entry overriding subject, made by
// actor CRO and approved by CCO.
func Override(id, subject string, at time.Time) []byte {
	return encode(entry.TypeApproval, id, at, nil, entry.Approval{
		Subject: subject, Action: "override", Approver: "CCO", Note: "client instruction confirmed",
	})
}

// Passed returns an accept decision with two passing checks.
func Passed() *entry.Decision {
	return &entry.Decision{Outcome: entry.Accept, RulePack: "rp-7", Checks: []entry.Check{
		{Rule: "notional", Result: entry.Pass, Observed: "58533", Limit: "1000000"},
		{Rule: "price_collar", Result: entry.Pass, Observed: "0.1", Limit: "5"},
	}}
}

// Account returns the account commitment every fixture order carries.
func Account() string { return commitment }

// RegulatoryDays returns the entries of the regulatory fixture, in ledger
// order (nil for a withheld entry). Ledger indexes:
//
//	Day1  0 new o-1 buy 100 (accept)     6 new o-3 buy 200 (review WATCH_LIST)
//	      1 route o-1 100                7 cancel o-3 (whole: 200)
//	      2 execute o-1 40               8 payment p-1 (review NEW_COUNTERPARTY)
//	      3 modify o-1 to 80 (leaves 40) 9 withheld
//	      4 new o-2 sell 500 (reject PRICE_COLLAR)
//	      5 override of o-2              10 cancel o-9 (unknown order: held back)
//	Day2 11 execute o-1 40 (order keyed on Day1)
//	     12 new o-4 buy 10 (reject RESTRICTED_LIST)
//	     13 login
func RegulatoryDays() [][]byte {
	at := func(d string, m int) time.Time { return At(d, 13, m) }
	return [][]byte{
		OrderEvent("e-0", "o-1", entry.OrderNew, entry.Buy, 100, at(Day1, 0), Passed()),
		OrderEvent("e-1", "o-1", entry.OrderRoute, entry.Buy, 100, at(Day1, 1), Passed()),
		OrderEvent("e-2", "o-1", entry.OrderExecute, entry.Buy, 40, at(Day1, 2), nil),
		OrderEvent("e-3", "o-1", entry.OrderModify, entry.Buy, 80, at(Day1, 3), Passed()),
		OrderEvent("e-4", "o-2", entry.OrderNew, entry.Sell, 500, at(Day1, 4), Reject(entry.ReasonPriceCollar)),
		Override("e-5", "o-2", at(Day1, 5)),
		OrderEvent("e-6", "o-3", entry.OrderNew, entry.Buy, 200, at(Day1, 6), Review(entry.ReasonWatchList)),
		OrderEvent("e-7", "o-3", entry.OrderCancel, entry.Buy, 0, at(Day1, 7), Passed()),
		Payment("p-1", at(Day1, 8), Review(entry.ReasonNewCounterparty)),
		nil,
		OrderEvent("e-10", "o-9", entry.OrderCancel, entry.Buy, 0, at(Day1, 10), Passed()),
		OrderEvent("e-11", "o-1", entry.OrderExecute, entry.Buy, 40, at(Day2, 0), nil),
		OrderEvent("e-12", "o-4", entry.OrderNew, entry.Buy, 10, at(Day2, 1), Reject(entry.ReasonRestrictedList)),
		Login("l-1", at(Day2, 2)),
	}
}

// RegulatoryBatches returns RegulatoryDays as batches 1 (indexes 0-6),
// 2 (7-10) and 3 (11-13).
func RegulatoryBatches() []*report.Batch {
	e := RegulatoryDays()
	return []*report.Batch{NewBatch(1, 0, e[0:7]...), NewBatch(2, 7, e[7:11]...), NewBatch(3, 11, e[11:]...)}
}
