package report

import "time"

// GuardEvent is one guard log record as the SOX evidence cites it: the
// guard's own decisions are IT-general-controls evidence too (a rejected
// batch is an incident). Hash is the hex chain hash of the log line.
type GuardEvent struct {
	Seq      uint64    `json:"seq"`
	Time     time.Time `json:"time"`
	BatchSeq uint64    `json:"batch_seq"`
	Stage    string    `json:"stage"`
	Decision string    `json:"decision"` // accept, reject, hold or event
	Reason   string    `json:"reason"`
	Hash     string    `json:"hash"`
}

// SOX populations, in the order the evidence lists them.
const (
	PopAccess     = "access"     // login entries
	PopPrivileged = "privileged" // key-ceremony steps and control overrides
	PopApprovals  = "approvals"  // four-eyes approvals and overrides
	PopChanges    = "changes"    // configuration and rule-pack changes
	PopIncidents  = "incidents"  // containments, releases, guard rejections and holds
)

// SOX is the SOX IT-general-controls daily evidence (access, privileged
// actions, approvals, changes, incidents). Each population is complete for
// the day: every releasable ledger entry of its kinds and every guard log
// record of the day that refused or held a batch, with its count and the
// ledger indexes or guard log sequences it spans, so an auditor can test a
// sample against a known population. Exceptions are self-approvals (an
// approval whose approver is the submitting actor) and failed logins.
type SOX struct {
	Coverage    Coverage        `json:"coverage"`
	Populations []Population    `json:"populations"`
	Events      []ControlEvent  `json:"events"` // ledger order, then guard log order
	Exceptions  []ControlEvent  `json:"exceptions"`
	GuardLog    GuardLogSummary `json:"guard_log"`
}

// Population is one SOX population with its count and ranges. A range is
// absent (nil) when the population is empty.
type Population struct {
	Name    string `json:"name"`
	Count   int    `json:"count"`
	Ledger  *Range `json:"ledger"`    // ledger indexes of its first and last entry
	Guard   *Range `json:"guard_log"` // guard log sequences of its first and last record
	Entries int    `json:"ledger_entries"`
	Records int    `json:"guard_records"`
}

// ControlEvent is one member of a population. Source is "ledger" (Ref is
// the ledger index) or "guard_log" (Ref is the log sequence).
type ControlEvent struct {
	Population string `json:"population"`
	Source     string `json:"source"`
	Ref        uint64 `json:"ref"`
	Time       string `json:"time"`
	Actor      string `json:"actor"`
	Action     string `json:"action"`
	Subject    string `json:"subject"`
	Detail     string `json:"detail"`
}

// GuardLogSummary says which guard log records of the day were read and
// the chain hash of the last one, so the evidence pins the log it saw.
type GuardLogSummary struct {
	Records int    `json:"records"`
	Seqs    *Range `json:"seqs"`
	Head    string `json:"chain_head"` // hex hash of the day's last record
}

// BuildSOX returns the SOX evidence of day from its entries and the guard
// log records in log (any date; only the day's are used).
func BuildSOX(day *Day, log []GuardEvent) *SOX {
	s := &SOX{Coverage: day.Coverage, Events: []ControlEvent{}, Exceptions: []ControlEvent{}}
	for _, e := range day.Entries {
		for _, ev := range soxEvents(e) {
			s.Events = append(s.Events, ev)
			if isException(e, ev) {
				s.Exceptions = append(s.Exceptions, ev)
			}
		}
	}
	for _, g := range log {
		if g.Time.UTC().Format(dateLayout) != day.Date {
			continue
		}
		s.GuardLog.note(g)
		if g.Decision == "reject" || g.Decision == "hold" {
			s.Events = append(s.Events, guardIncident(g))
		}
	}
	s.Populations = populations(s.Events)
	return s
}

// note counts one guard log record of the day.
func (g *GuardLogSummary) note(e GuardEvent) {
	g.Records++
	if g.Seqs == nil {
		g.Seqs = &Range{First: e.Seq, Last: e.Seq}
	}
	g.Seqs.First, g.Seqs.Last = min(g.Seqs.First, e.Seq), max(g.Seqs.Last, e.Seq)
	if e.Seq == g.Seqs.Last {
		g.Head = e.Hash
	}
}

// isException reports whether ev is a control exception: a failed login
// or an approval given by the actor who asked for it.
func isException(e DayEntry, ev ControlEvent) bool {
	switch ev.Population {
	case PopAccess:
		return ev.Action == "failure"
	case PopApprovals:
		return ev.Subject != "" && ev.Detail == "approver "+e.Env.Actor
	}
	return false
}

// populations counts the events of each population.
func populations(events []ControlEvent) []Population {
	names := []string{PopAccess, PopPrivileged, PopApprovals, PopChanges, PopIncidents}
	out := make([]Population, len(names))
	for i, n := range names {
		out[i].Name = n
	}
	for _, ev := range events {
		for i := range out {
			if out[i].Name == ev.Population {
				out[i].add(ev)
			}
		}
	}
	return out
}

// add counts one event.
func (p *Population) add(ev ControlEvent) {
	p.Count++
	r := &p.Ledger
	if ev.Source == "guard_log" {
		r = &p.Guard
		p.Records++
	} else {
		p.Entries++
	}
	if *r == nil {
		*r = &Range{First: ev.Ref, Last: ev.Ref}
	}
	(*r).First, (*r).Last = min((*r).First, ev.Ref), max((*r).Last, ev.Ref)
}

// guardIncident is the incident a refusing or holding guard record is.
func guardIncident(g GuardEvent) ControlEvent {
	return ControlEvent{Population: PopIncidents, Source: "guard_log", Ref: g.Seq,
		Time: g.Time.UTC().Format(time.RFC3339Nano), Actor: "guard", Action: "guard_" + g.Decision,
		Subject: "batch " + u64(g.BatchSeq), Detail: g.Stage + ": " + g.Reason}
}
