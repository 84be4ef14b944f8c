package report

import (
	"strconv"
	"strings"
	"time"

	"bastion/shared/entry"
)

// Surveillance is the day's surveillance summary: every alert (an order
// or payment the monitor sent to review or rejected) counted by reason
// code, trader and instrument, and listed in ledger order.
type Surveillance struct {
	Coverage     Coverage   `json:"coverage"`
	Alerts       int        `json:"alerts"`
	ByOutcome    []Count    `json:"by_outcome"`
	ByReason     []Count    `json:"by_reason"`     // most frequent first
	ByTrader     []Count    `json:"by_trader"`     // most frequent first
	ByInstrument []Count    `json:"by_instrument"` // most frequent first
	Rows         []AlertRow `json:"alerts_list"`
}

// AlertRow is one alert. For a payment the trader is the submitting actor
// and the instrument is "payment:" and the currency.
type AlertRow struct {
	Index      uint64   `json:"ledger_index"`
	Time       string   `json:"time"`
	Type       string   `json:"type"`
	Ref        string   `json:"ref"`
	Trader     string   `json:"trader"`
	Instrument string   `json:"instrument"`
	Outcome    string   `json:"outcome"`
	Reasons    []string `json:"reasons"`
	RulePack   string   `json:"rule_pack"`
}

// BuildSurveillance returns the surveillance summary of day.
func BuildSurveillance(day *Day) *Surveillance {
	s := &Surveillance{Coverage: day.Coverage, Rows: []AlertRow{}}
	outcomes, reasons, traders, instruments := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	for _, e := range day.Entries {
		row, ok := alertRow(e)
		if !ok {
			continue
		}
		s.Rows = append(s.Rows, row)
		outcomes[row.Outcome]++
		traders[row.Trader]++
		instruments[row.Instrument]++
		for _, r := range row.Reasons {
			reasons[r]++
		}
	}
	s.Alerts = len(s.Rows)
	s.ByOutcome, s.ByReason = byKey(outcomes), byCount(reasons)
	s.ByTrader, s.ByInstrument = byCount(traders), byCount(instruments)
	return s
}

// alertRow returns the alert an entry raised, if any.
func alertRow(e DayEntry) (AlertRow, bool) {
	d := e.Env.Decision
	if d == nil || d.Outcome == entry.Accept {
		return AlertRow{}, false
	}
	row := AlertRow{Index: e.Index, Time: e.Env.Timestamp().Format(time.RFC3339Nano), Type: string(e.Env.Type),
		Trader: e.Env.Actor, Outcome: string(d.Outcome), Reasons: nonNil(d.Reasons), RulePack: d.RulePack}
	switch e.Env.Type {
	case entry.TypeOrder:
		var o entry.Order
		if decodeBody(e.Env, &o) != nil {
			return AlertRow{}, false
		}
		row.Ref, row.Trader, row.Instrument = o.OrderID, o.Trader, o.Symbol
	case entry.TypePayment:
		var p entry.Payment
		if decodeBody(e.Env, &p) != nil {
			return AlertRow{}, false
		}
		row.Ref, row.Instrument = p.PaymentID, "payment:"+p.Currency
	default:
		return AlertRow{}, false
	}
	return row, true
}

// Document returns the summary as facts and tables for CSV and PDF.
func (s *Surveillance) Document() Document {
	d := Document{Title: "Surveillance summary", Facts: coverageFacts(s.Coverage)}
	d.Facts = append(d.Facts, Fact{"alerts", strconv.Itoa(s.Alerts)})
	d.Tables = []Table{
		countTable("outcome", "Alerts by outcome", s.ByOutcome),
		countTable("reason", "Alerts by reason code", s.ByReason),
		countTable("trader", "Alerts by trader", s.ByTrader),
		countTable("instrument", "Alerts by instrument", s.ByInstrument),
	}
	list := Table{Name: "alert", Title: "Alerts", Columns: []string{"ledger", "time", "type", "ref",
		"trader", "instrument", "outcome", "reasons", "rule pack"}}
	for _, r := range s.Rows {
		list.Rows = append(list.Rows, []string{u64(r.Index), r.Time, r.Type, r.Ref, r.Trader, r.Instrument,
			r.Outcome, strings.Join(r.Reasons, ";"), r.RulePack})
	}
	d.Tables = append(d.Tables, list)
	return d
}

func countTable(name, title string, counts []Count) Table {
	t := Table{Name: name, Title: title, Columns: []string{name, "count"}}
	for _, c := range counts {
		t.Rows = append(t.Rows, []string{c.Key, strconv.Itoa(c.Count)})
	}
	return t
}
