package main

import (
	"encoding/json"
	"log/slog"

	"bastion/high-side/intake"
	"bastion/high-side/monitor"
	"bastion/shared/entry"
)

// ledgerMonitor lets the node drive the monitor from committed entries: it
// turns an entry and its openings back into the submission the monitor
// decided, so that state rebuilt from the ledger equals live state.
type ledgerMonitor struct {
	*monitor.Monitor
	log *slog.Logger
}

// Observe folds one committed entry into the monitor's state.
func (m ledgerMonitor) Observe(e *entry.Envelope, openings []entry.Opening) {
	if e.Decision == nil {
		return
	}
	open := map[string]string{}
	for _, o := range openings {
		open[o.Field] = o.Value
	}
	at := e.Timestamp()
	switch e.Type {
	case entry.TypeOrder:
		var b entry.Order
		if err := json.Unmarshal(e.Body, &b); err != nil {
			m.log.Warn("committed order entry unreadable", slog.String("id", e.ID), slog.Any("error", err))
			return
		}
		m.ObserveOrder(intake.Order{ID: e.ID, OrderID: b.OrderID, Event: b.Event, Symbol: b.Symbol,
			Side: b.Side, Quantity: b.Quantity, Price: b.Price, Trader: b.Trader,
			Account: open["account"], Source: b.Source, Time: e.Time}, *e.Decision, at)
	case entry.TypePayment:
		var b entry.Payment
		if err := json.Unmarshal(e.Body, &b); err != nil {
			m.log.Warn("committed payment entry unreadable", slog.String("id", e.ID), slog.Any("error", err))
			return
		}
		m.ObservePayment(intake.Payment{ID: e.ID, Kind: b.Kind, Amount: b.Amount, Currency: b.Currency,
			From: open["from"], To: open["to"], Source: b.Source, Time: e.Time}, *e.Decision, at)
	}
}
