package report_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
)

// Day3 is the date of the controls fixture.
const Day3 = "2012-06-25"

// controlsDay collects Day3 from the entries e, in one batch from ledger
// index 0.
func controlsDay(t *testing.T, e ...[]byte) *report.Day {
	t.Helper()
	dir := reporttest.WriteExport(t, t.TempDir(), reporttest.NewBatch(1, 0, e...))
	day, err := report.CollectDay(dir, Day3)
	if err != nil {
		t.Fatal(err)
	}
	return day
}

func ptr(r report.Range) *report.Range { return &r }

func TestSOXPopulations(t *testing.T) {
	at := func(m int) time.Time { return reporttest.At(Day3, 9, m) }
	day := controlsDay(t,
		reporttest.LoginResult("l-0", at(0), "success"),               // 0 access
		reporttest.LoginResult("l-1", at(1), "failure"),               // 1 access, exception
		reporttest.Config("c-2", at(2)),                               // 2 change
		reporttest.Ceremony("k-3", "generate", "hsm-key-1", at(3)),    // 3 privileged
		reporttest.Approval("a-4", "o-1", "approve", "CCO", at(4)),    // 4 approval
		reporttest.Approval("a-5", "o-2", "approve", "T1", at(5)),     // 5 approval, self-approved
		reporttest.Approval("a-6", "o-3", "override", "CCO", at(6)),   // 6 approval and privileged
		reporttest.Approval("a-7", "desk-7", "contain", "CCO", at(7)), // 7 incident
		nil, // 8 withheld
		reporttest.Order("o-9", at(9), reporttest.Accept()), // 9 no control event
	)
	log := append(reporttest.GuardEvents(Day3, 1, "accept", "reject", "hold"),
		reporttest.GuardEvents("2012-06-26", 4, "reject")...)
	s := report.BuildSOX(day, log)

	want := []report.Population{
		{Name: report.PopAccess, Count: 2, Entries: 2, Ledger: ptr(report.Range{First: 0, Last: 1})},
		{Name: report.PopPrivileged, Count: 2, Entries: 2, Ledger: ptr(report.Range{First: 3, Last: 6})},
		{Name: report.PopApprovals, Count: 3, Entries: 3, Ledger: ptr(report.Range{First: 4, Last: 6})},
		{Name: report.PopChanges, Count: 1, Entries: 1, Ledger: ptr(report.Range{First: 2, Last: 2})},
		{Name: report.PopIncidents, Count: 3, Entries: 1, Records: 2,
			Ledger: ptr(report.Range{First: 7, Last: 7}), Guard: ptr(report.Range{First: 2, Last: 3})},
	}
	if diff := cmp.Diff(want, s.Populations); diff != "" {
		t.Errorf("populations (-want +got):\n%s", diff)
	}
	var exc []uint64
	for _, e := range s.Exceptions {
		exc = append(exc, e.Ref)
	}
	if diff := cmp.Diff([]uint64{1, 5}, exc); diff != "" {
		t.Errorf("exception ledger indexes (-want +got):\n%s", diff)
	}
	wantLog := report.GuardLogSummary{Records: 3, Seqs: ptr(report.Range{First: 1, Last: 3}),
		Head: log[2].Hash}
	if diff := cmp.Diff(wantLog, s.GuardLog); diff != "" {
		t.Errorf("guard log summary (-want +got):\n%s", diff)
	}
	if got := len(s.Events); got != 11 {
		t.Errorf("events = %d, want 11 (8 ledger entries, the override twice, and 2 guard records)", got)
	}
	if s.Coverage.Ledger != (report.Range{First: 0, Last: 9}) || s.Coverage.Checkpoint.Size != 10 || s.Coverage.Chain == "" {
		t.Errorf("coverage = %+v, want ledger 0-9, checkpoint size 10 and a chain head", s.Coverage)
	}
}

func TestSOXEmptyDay(t *testing.T) {
	day := controlsDay(t, reporttest.Order("o-0", reporttest.At(Day3, 9, 0), reporttest.Accept()))
	s := report.BuildSOX(day, nil)
	for _, p := range s.Populations {
		if p.Count != 0 || p.Ledger != nil || p.Guard != nil {
			t.Errorf("population %s = %+v, want empty", p.Name, p)
		}
	}
	if s.GuardLog.Seqs != nil || s.GuardLog.Records != 0 {
		t.Errorf("guard log = %+v, want no records", s.GuardLog)
	}
}
