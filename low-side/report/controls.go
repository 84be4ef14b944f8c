package report

import (
	"maps"
	"slices"
	"strconv"
	"time"

	"bastion/shared/entry"
)

// Controls is the SEC Rule 15c3-5 (17 CFR 240.15c3-5) market access
// control report of one day: every order event with every pre-trade check
// the monitor ran, which were blocked (rejected) and which were overridden
// by a recorded approval.
type Controls struct {
	Coverage Coverage     `json:"coverage"`
	Orders   int          `json:"orders"`
	Blocked  int          `json:"blocked"`
	Review   int          `json:"review"`
	Override int          `json:"overridden"`
	Rules    []RuleCount  `json:"rules"` // by rule name
	Rows     []ControlRow `json:"orders_checked"`
	// Unmatched lists overrides of the day that name no order of the day.
	Unmatched []Override `json:"unmatched_overrides"`
}

// RuleCount is how often one rule ran and with which results.
type RuleCount struct {
	Rule      string `json:"rule"`
	Evaluated int    `json:"evaluated"`
	Pass      int    `json:"pass"`
	Alert     int    `json:"alert"`
	Fail      int    `json:"fail"`
	Error     int    `json:"error"`
}

// ControlRow is one order event and its checks.
type ControlRow struct {
	Index     uint64        `json:"ledger_index"`
	Time      string        `json:"time"`
	ID        string        `json:"id"`
	OrderID   string        `json:"order_id"`
	Event     string        `json:"event"`
	Symbol    string        `json:"symbol"`
	Side      string        `json:"side"`
	Quantity  int64         `json:"qty"`
	Price     string        `json:"price"`
	Trader    string        `json:"trader"`
	Outcome   string        `json:"outcome"`
	Reasons   []string      `json:"reasons"`
	Checks    []entry.Check `json:"checks"`
	RulePack  string        `json:"rule_pack"`
	Overrides []Override    `json:"overrides"`
}

// Override is an approval entry with action "override".
type Override struct {
	Index    uint64 `json:"ledger_index"`
	Time     string `json:"time"`
	Subject  string `json:"subject"`
	Actor    string `json:"actor"`
	Approver string `json:"approver"`
	Note     string `json:"note"`
}

// BuildControls returns the 15c3-5 report of day. An override is matched
// to the order rows whose entry id or order id equals its subject.
func BuildControls(day *Day) *Controls {
	c := &Controls{Coverage: day.Coverage, Rows: []ControlRow{}, Unmatched: []Override{}}
	rules := map[string]*RuleCount{}
	bySubject := map[string][]int{}
	for _, e := range day.Entries {
		if row, ok := controlRow(e); ok {
			c.count(row, rules)
			bySubject[row.ID] = append(bySubject[row.ID], len(c.Rows))
			if row.OrderID != row.ID {
				bySubject[row.OrderID] = append(bySubject[row.OrderID], len(c.Rows))
			}
			c.Rows = append(c.Rows, row)
		}
	}
	for _, e := range day.Entries {
		if ov, ok := override(e); ok {
			c.attach(ov, bySubject[ov.Subject])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(rules)) {
		c.Rules = append(c.Rules, *rules[k])
	}
	if c.Rules == nil {
		c.Rules = []RuleCount{}
	}
	return c
}

// count adds a row to the totals.
func (c *Controls) count(row ControlRow, rules map[string]*RuleCount) {
	c.Orders++
	switch entry.Outcome(row.Outcome) {
	case entry.Reject:
		c.Blocked++
	case entry.Review:
		c.Review++
	}
	for _, ch := range row.Checks {
		r, ok := rules[ch.Rule]
		if !ok {
			r = &RuleCount{Rule: ch.Rule}
			rules[ch.Rule] = r
		}
		r.Evaluated++
		switch ch.Result {
		case entry.Pass:
			r.Pass++
		case entry.Alert:
			r.Alert++
		case entry.Fail:
			r.Fail++
		case entry.Errored:
			r.Error++
		}
	}
}

// attach adds an override to the rows it names, or to Unmatched.
func (c *Controls) attach(ov Override, rows []int) {
	if len(rows) == 0 {
		c.Unmatched = append(c.Unmatched, ov)
		return
	}
	seen := map[int]bool{}
	for _, i := range rows {
		if !seen[i] {
			seen[i] = true
			if len(c.Rows[i].Overrides) == 0 {
				c.Override++
			}
			c.Rows[i].Overrides = append(c.Rows[i].Overrides, ov)
		}
	}
}

// controlRow returns the row of an order entry.
func controlRow(e DayEntry) (ControlRow, bool) {
	var o entry.Order
	if e.Env.Type != entry.TypeOrder || decodeBody(e.Env, &o) != nil {
		return ControlRow{}, false
	}
	row := ControlRow{Index: e.Index, Time: e.Env.Timestamp().Format(time.RFC3339Nano), ID: e.Env.ID,
		OrderID: o.OrderID, Event: string(o.Event), Symbol: o.Symbol, Side: string(o.Side),
		Quantity: o.Quantity, Price: o.Price.String(), Trader: o.Trader, Outcome: NoDecision,
		Reasons: []string{}, Checks: []entry.Check{}, Overrides: []Override{}}
	if d := e.Env.Decision; d != nil {
		row.Outcome, row.Reasons, row.Checks, row.RulePack = string(d.Outcome), nonNil(d.Reasons),
			nonNilChecks(d.Checks), d.RulePack
	}
	return row, true
}

// override returns the override an approval entry records.
func override(e DayEntry) (Override, bool) {
	var a entry.Approval
	if e.Env.Type != entry.TypeApproval || decodeBody(e.Env, &a) != nil || a.Action != "override" {
		return Override{}, false
	}
	return Override{Index: e.Index, Time: e.Env.Timestamp().Format(time.RFC3339Nano), Subject: a.Subject,
		Actor: e.Env.Actor, Approver: a.Approver, Note: a.Note}, true
}

// Document returns the report as facts and tables for CSV and PDF.
func (c *Controls) Document() Document {
	d := Document{Title: "SEC Rule 15c3-5 market access controls", Facts: coverageFacts(c.Coverage)}
	d.Facts = append(d.Facts, Fact{"orders", strconv.Itoa(c.Orders)}, Fact{"blocked", strconv.Itoa(c.Blocked)},
		Fact{"review", strconv.Itoa(c.Review)}, Fact{"overridden", strconv.Itoa(c.Override)})
	rules := Table{Name: "rule", Title: "Checks by rule",
		Columns: []string{"rule", "evaluated", "pass", "alert", "fail", "error"}}
	for _, r := range c.Rules {
		rules.Rows = append(rules.Rows, []string{r.Rule, strconv.Itoa(r.Evaluated), strconv.Itoa(r.Pass),
			strconv.Itoa(r.Alert), strconv.Itoa(r.Fail), strconv.Itoa(r.Error)})
	}
	orders := Table{Name: "order", Title: "Orders and their checks", Columns: []string{"ledger", "time",
		"order", "event", "order detail", "trader", "outcome", "checks", "overrides"}}
	for _, r := range c.Rows {
		orders.Rows = append(orders.Rows, []string{u64(r.Index), r.Time, r.OrderID, r.Event,
			r.Side + " " + strconv.FormatInt(r.Quantity, 10) + " " + r.Symbol + " @ " + r.Price,
			r.Trader, r.Outcome, checksString(Rejection{Checks: r.Checks}), overridesString(r.Overrides)})
	}
	d.Tables = []Table{rules, orders, overrideTable(c.Unmatched)}
	return d
}

func overridesString(ovs []Override) string {
	s := ""
	for i, o := range ovs {
		if i > 0 {
			s += "; "
		}
		s += u64(o.Index) + " by " + o.Actor + " approved by " + o.Approver
	}
	return s
}

func overrideTable(ovs []Override) Table {
	t := Table{Name: "unmatched_override", Title: "Overrides naming no order of the day",
		Columns: []string{"ledger", "time", "subject", "actor", "approver", "note"}}
	for _, o := range ovs {
		t.Rows = append(t.Rows, []string{u64(o.Index), o.Time, o.Subject, o.Actor, o.Approver, o.Note})
	}
	return t
}
