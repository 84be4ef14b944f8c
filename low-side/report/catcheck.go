package report

import (
	"fmt"
	"strings"
	"time"
)

// CAT pre-validation rules, the names CATIssue.Rule takes.
const (
	RuleDuplicateKey     = "duplicate_order_key"      // two events create one order key
	RuleDuplicateROEID   = "duplicate_firm_roe_id"    // two events share a firmROEID
	RuleBeforePrimary    = "secondary_before_primary" // an event precedes the one creating its key
	RuleLeavesOverQty    = "leaves_over_quantity"     // leavesQty above quantity, or negative
	RuleROEIDDate        = "firm_roe_id_date"         // firmROEID date is not the event date
	RuleRawAccount       = "fdid_raw_account"         // firm-designated id is or holds an account value
	RuleUnknownEventType = "unknown_event_type"       // a type this file does not carry
)

// CATIssue is one pre-validation failure: the line of the order events
// file (from 1), the record's firmROEID, the rule and what was wrong.
type CATIssue struct {
	Line      int    `json:"line"`
	FirmROEID string `json:"firm_roe_id"`
	Rule      string `json:"rule"`
	Detail    string `json:"detail"`
}

// String renders the issue for a log or an error.
func (i CATIssue) String() string {
	return fmt.Sprintf("line %d (%s): %s: %s", i.Line, i.FirmROEID, i.Rule, i.Detail)
}

// orderKey is the CAT order key: the key date and the order id.
type orderKey struct {
	date int64
	id   string
}

// ValidateCAT checks the events of the file for date (YYYY-MM-DD) in file
// order before they are submitted: order keys are unique, no secondary
// event comes before the event that created its order key (keys dated
// before the file's date were created in earlier files), leavesQty is
// between 0 and quantity, every firmROEID starts with its event's date,
// and no firm-designated id is, holds or looks like an account value
// (accounts lists the commitments the day's entries carry).
func ValidateCAT(date string, events []CATEvent, accounts []string) []CATIssue {
	v := catValidator{date: strings.ReplaceAll(date, "-", ""), accounts: accounts,
		keys: map[orderKey]int64{}, roe: map[string]bool{}}
	for i := range events {
		v.check(i+1, &events[i])
	}
	return v.issues
}

type catValidator struct {
	date     string // YYYYMMDD
	accounts []string
	keys     map[orderKey]int64 // key to the timestamp of the event that made it
	roe      map[string]bool
	issues   []CATIssue
}

func (v *catValidator) fail(line int, ev *CATEvent, rule, format string, a ...any) {
	v.issues = append(v.issues, CATIssue{Line: line, FirmROEID: ev.FirmROEID, Rule: rule,
		Detail: fmt.Sprintf(format, a...)})
}

func (v *catValidator) check(line int, ev *CATEvent) {
	v.checkROEID(line, ev)
	v.checkQuantities(line, ev)
	v.checkFDID(line, ev)
	switch ev.Type {
	case CATNewOrder:
		v.create(line, ev)
	case CATModify:
		v.follow(line, ev, orderKey{ev.PriorOrderKeyDate, ev.PriorOrderID})
		v.create(line, ev)
	case CATRoute, CATCancel:
		v.follow(line, ev, orderKey{ev.OrderKeyDate, ev.OrderID})
	case CATTrade:
		for _, s := range []*CATTradeSide{ev.BuyDetails, ev.SellDetails} {
			if s != nil {
				v.follow(line, ev, orderKey{s.OrderKeyDate, s.OrderID})
			}
		}
	default:
		v.fail(line, ev, RuleUnknownEventType, "event type %q", ev.Type)
	}
}

// create records the order key a new or modified order makes.
func (v *catValidator) create(line int, ev *CATEvent) {
	k := orderKey{ev.OrderKeyDate, ev.OrderID}
	if _, dup := v.keys[k]; dup {
		v.fail(line, ev, RuleDuplicateKey, "order key %s/%d already created", k.id, k.date)
		return
	}
	v.keys[k] = ev.EventTimestamp
}

// follow checks that the key an event refers to was created before it.
func (v *catValidator) follow(line int, ev *CATEvent, k orderKey) {
	if dayOf(k.date) < v.date {
		return
	}
	at, ok := v.keys[k]
	switch {
	case !ok:
		v.fail(line, ev, RuleBeforePrimary, "%s for order key %s/%d comes before the event creating it",
			ev.Type, k.id, k.date)
	case at > ev.EventTimestamp:
		v.fail(line, ev, RuleBeforePrimary, "%s at %d is earlier than its primary event at %d",
			ev.Type, ev.EventTimestamp, at)
	}
}

func (v *catValidator) checkROEID(line int, ev *CATEvent) {
	if v.roe[ev.FirmROEID] {
		v.fail(line, ev, RuleDuplicateROEID, "firmROEID repeats")
	}
	v.roe[ev.FirmROEID] = true
	d, _, _ := strings.Cut(ev.FirmROEID, "_")
	if want := dayOf(ev.EventTimestamp); d != want {
		v.fail(line, ev, RuleROEIDDate, "firmROEID date %q, event date %s", d, want)
	}
}

func (v *catValidator) checkQuantities(line int, ev *CATEvent) {
	if ev.LeavesQty == nil {
		return
	}
	l := *ev.LeavesQty
	switch {
	case l < 0:
		v.fail(line, ev, RuleLeavesOverQty, "leavesQty %d is negative", l)
	case ev.Quantity > 0 && l > ev.Quantity:
		v.fail(line, ev, RuleLeavesOverQty, "leavesQty %d exceeds quantity %d", l, ev.Quantity)
	}
}

// checkFDID refuses an id that is a commitment, holds an account value,
// or is all digits (the shape of an account number).
func (v *catValidator) checkFDID(line int, ev *CATEvent) {
	id := ev.FirmDesignatedID
	if id == "" {
		return
	}
	if strings.HasPrefix(id, "c1:") || strings.Trim(id, "0123456789") == "" {
		v.fail(line, ev, RuleRawAccount, "firm-designated id has the form of an account value")
		return
	}
	upper := strings.ToUpper(id)
	for _, a := range v.accounts {
		raw := strings.ToUpper(strings.TrimPrefix(a, "c1:"))
		if raw != "" && strings.Contains(upper, raw) {
			v.fail(line, ev, RuleRawAccount, "firm-designated id holds an account commitment")
			return
		}
	}
}

// dayOf returns the UTC date of a CAT timestamp as YYYYMMDD.
func dayOf(ns int64) string { return time.Unix(0, ns).UTC().Format("20060102") }
