package report

import (
	"strconv"
	"time"

	"bastion/shared/entry"
)

// soxEvents returns the population members one ledger entry is: none, one,
// or two for a control override (an approval and a privileged action).
func soxEvents(e DayEntry) []ControlEvent {
	base := ControlEvent{Source: "ledger", Ref: e.Index,
		Time: e.Env.Timestamp().Format(time.RFC3339Nano), Actor: e.Env.Actor}
	switch e.Env.Type {
	case entry.TypeLogin:
		var l entry.Login
		if decodeBody(e.Env, &l) != nil {
			return nil
		}
		return []ControlEvent{base.with(PopAccess, l.Result, l.Subject, l.Method+" at "+l.Station)}
	case entry.TypeConfig:
		var c entry.Config
		if decodeBody(e.Env, &c) != nil {
			return nil
		}
		return []ControlEvent{base.with(PopChanges, "change", c.Key, "version "+c.Version+" sha256 "+c.Digest)}
	case entry.TypeCeremony:
		var c entry.Ceremony
		if decodeBody(e.Env, &c) != nil {
			return nil
		}
		return []ControlEvent{base.with(PopPrivileged, "ceremony_"+c.Step, c.KeyID, c.Details)}
	case entry.TypeApproval:
		return approvalEvents(base, e)
	}
	return nil
}

// approvalEvents files an approval entry: containments and releases are
// incidents; approvals and overrides are approvals, overrides are also
// privileged actions.
func approvalEvents(base ControlEvent, e DayEntry) []ControlEvent {
	var a entry.Approval
	if decodeBody(e.Env, &a) != nil {
		return nil
	}
	detail := "approver " + a.Approver
	switch a.Action {
	case "contain", "release":
		return []ControlEvent{base.with(PopIncidents, a.Action, a.Subject, detail)}
	case "override":
		return []ControlEvent{base.with(PopApprovals, a.Action, a.Subject, detail),
			base.with(PopPrivileged, a.Action, a.Subject, detail)}
	}
	return []ControlEvent{base.with(PopApprovals, a.Action, a.Subject, detail)}
}

// with returns ev filed in population pop.
func (ev ControlEvent) with(pop, action, subject, detail string) ControlEvent {
	ev.Population, ev.Action, ev.Subject, ev.Detail = pop, action, subject, detail
	return ev
}

// Document returns the evidence as facts and tables for CSV and PDF.
func (s *SOX) Document() Document {
	d := Document{Title: "SOX IT general controls: daily evidence", Facts: coverageFacts(s.Coverage)}
	d.Facts = append(d.Facts, Fact{"guard_log_records", strconv.Itoa(s.GuardLog.Records)},
		Fact{"guard_log_seqs", optRange(s.GuardLog.Seqs)}, Fact{"guard_log_chain_head", s.GuardLog.Head},
		Fact{"exceptions", strconv.Itoa(len(s.Exceptions))})
	pops := Table{Name: "population", Title: "Populations",
		Columns: []string{"population", "count", "ledger entries", "ledger range", "guard records", "guard log range"}}
	for _, p := range s.Populations {
		pops.Rows = append(pops.Rows, []string{p.Name, strconv.Itoa(p.Count), strconv.Itoa(p.Entries),
			optRange(p.Ledger), strconv.Itoa(p.Records), optRange(p.Guard)})
	}
	d.Tables = []Table{pops, eventTable("event", "Events", s.Events),
		eventTable("exception", "Exceptions: failed logins and self-approvals", s.Exceptions)}
	return d
}

func eventTable(name, title string, evs []ControlEvent) Table {
	t := Table{Name: name, Title: title,
		Columns: []string{"population", "source", "ref", "time", "actor", "action", "subject", "detail"}}
	for _, e := range evs {
		t.Rows = append(t.Rows, []string{e.Population, e.Source, u64(e.Ref), e.Time, e.Actor, e.Action,
			e.Subject, e.Detail})
	}
	return t
}

// optRange formats a range, or "" for none.
func optRange(r *Range) string {
	if r == nil {
		return ""
	}
	return rangeString(*r)
}
