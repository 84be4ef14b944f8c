package appliance

import (
	"testing"

	"bastion/high-side/fix"
	"bastion/high-side/intake"
	"bastion/shared/entry"

	"github.com/google/go-cmp/cmp"
)

// TestFIXReceipt checks how the replay reads execution reports into the
// summary's decisions: a rejection the ledger never recorded is an error,
// pending new or pending cancel a review.
func TestFIXReceipt(t *testing.T) {
	tests := []struct {
		name        string
		rep         fix.ExecutionReport
		outcome     entry.Outcome
		index       uint64
		errorWanted bool
	}{
		{"accepted new", fix.ExecutionReport{MsgType: fix.MsgExecutionReport, OrderID: "17", OrdStatus: fix.StatusNew}, entry.Accept, 17, false},
		{"held new", fix.ExecutionReport{MsgType: fix.MsgExecutionReport, OrderID: "18", OrdStatus: fix.StatusPendingNew}, entry.Review, 18, false},
		{"held cancel", fix.ExecutionReport{MsgType: fix.MsgExecutionReport, OrderID: "19", OrdStatus: "6"}, entry.Review, 19, false},
		{"rejected, recorded", fix.ExecutionReport{MsgType: fix.MsgExecutionReport, OrderID: "20", OrdStatus: fix.StatusRejected}, entry.Reject, 20, false},
		{"cancel refused, recorded", fix.ExecutionReport{MsgType: fix.MsgOrderCancelReject, OrderID: "21", OrdStatus: "0"}, entry.Reject, 21, false},
		{"malformed, not recorded", fix.ExecutionReport{MsgType: fix.MsgExecutionReport, OrderID: "NONE", OrdStatus: fix.StatusRejected, Text: "MALFORMED_REQUEST; bad price"}, "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.rep.ClOrdID = "c-1"
			r := fixReceipt("DESK1", tt.rep)
			if r.ID != "fix:DESK1:c-1" || r.Index != tt.index || (r.Error != "") != tt.errorWanted {
				t.Fatalf("receipt %+v: want id fix:DESK1:c-1, index %d, error %v", r, tt.index, tt.errorWanted)
			}
			if !tt.errorWanted && r.Outcome != tt.outcome {
				t.Errorf("outcome %s, want %s", r.Outcome, tt.outcome)
			}
			var tally Tally
			tally.add(r)
			if got := tally.Errors.Load(); got != map[bool]int64{true: 1, false: 0}[tt.errorWanted] {
				t.Errorf("tally counted %d errors", got)
			}
		})
	}
}

// TestTallyClasses checks that each receipt lands in exactly one of error,
// duplicate and new entry, and under exactly one decision, including the
// cases of the real data: a malformed FIX order sent twice, and orders
// resent under the same ClOrdID.
func TestTallyClasses(t *testing.T) {
	malformed := fix.ExecutionReport{MsgType: fix.MsgExecutionReport, ClOrdID: "1", OrderID: "NONE",
		OrdStatus: fix.StatusRejected, Text: "MALFORMED_REQUEST; missing account"}
	accepted := fix.ExecutionReport{MsgType: fix.MsgExecutionReport, ClOrdID: "71-593", OrderID: "40",
		OrdStatus: fix.StatusNew}
	resent := func(r intake.Receipt) intake.Receipt { r.Duplicate = true; return r }
	receipts := []intake.Receipt{
		fixReceipt("FLOOR42", malformed),
		resent(fixReceipt("FLOOR42", malformed)),
		fixReceipt("FLOOR42", accepted),
		resent(fixReceipt("FLOOR42", accepted)),
		resent(fixReceipt("FLOOR42", accepted)),
		{ID: "p-1", Index: 41, Outcome: entry.Review},
		// Recorded by an attempt whose reply was lost, then resent: the
		// first receipt this tally sees, so a new entry.
		{ID: "p-2", Index: 42, Outcome: entry.Reject, Duplicate: true},
		{ID: "p-2", Index: 42, Outcome: entry.Reject, Duplicate: true},
		{ID: "p-3", Error: "missing payer"},
		{ID: "p-4", Index: 43, Outcome: "hold"}, // unreadable outcome
	}
	var tally Tally
	for _, r := range receipts {
		tally.add(r)
	}
	got := map[string]int64{"submitted": tally.Submitted.Load(), "errors": tally.Errors.Load(),
		"duplicates": tally.Duplicates.Load(), "new": int64(len(tally.Recorded())),
		"accept": tally.Accept.Load(), "review": tally.Review.Load(), "reject": tally.Reject.Load()}
	want := map[string]int64{"submitted": 10, "errors": 4, "duplicates": 3, "new": 3,
		"accept": 3, "review": 1, "reject": 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tally (-want +got):\n%s", diff)
	}
	if got["new"]+got["duplicates"]+got["errors"] != got["submitted"] {
		t.Errorf("new %d + duplicates %d + errors %d != submitted %d",
			got["new"], got["duplicates"], got["errors"], got["submitted"])
	}
	if got["accept"]+got["review"]+got["reject"]+got["errors"] != got["submitted"] {
		t.Errorf("decisions %d+%d+%d+%d != submitted %d",
			got["accept"], got["review"], got["reject"], got["errors"], got["submitted"])
	}
}

// TestCheckCounts checks the summary's identity: ledger = ceremony entries
// + submissions - duplicates - errors.
func TestCheckCounts(t *testing.T) {
	tests := []struct {
		name                                       string
		ledger                                     uint64
		ceremony, submissions, duplicates, errored int
		ok                                         bool
	}{
		{"adds up", 131568, 9, 131566, 5, 2, true},
		{"malformed resend counted twice", 131568, 9, 131566, 6, 2, false},
		{"ceremony left out", 131568, 0, 131566, 5, 2, false},
		{"empty", 9, 9, 0, 0, 0, true},
		{"more taken off than submitted", 0, 0, 1, 1, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Summary{LedgerSize: tt.ledger, CeremonyEntries: tt.ceremony, Submissions: tt.submissions,
				Duplicates: tt.duplicates, Decisions: map[string]int{"error": tt.errored}}
			if err := s.CheckCounts(); (err == nil) != tt.ok {
				t.Errorf("got %v, want ok %v", err, tt.ok)
			}
		})
	}
}

// TestTallySummaryIdentity feeds a tally the receipts a ledger would give
// and checks the summary built from it satisfies CheckCounts.
func TestTallySummaryIdentity(t *testing.T) {
	const ceremony = 9
	ledger := uint64(ceremony)
	var tally Tally
	ids := []string{"a", "b", "a", "bad", "c", "bad", "b", "d"}
	recorded := map[string]uint64{}
	for _, id := range ids {
		switch idx, ok := recorded[id]; {
		case id == "bad":
			tally.add(intake.Receipt{ID: id, Error: "malformed"})
		case ok:
			tally.add(intake.Receipt{ID: id, Index: idx, Outcome: entry.Accept, Duplicate: true})
		default:
			recorded[id] = ledger
			tally.add(intake.Receipt{ID: id, Index: ledger, Outcome: entry.Accept})
			ledger++
		}
	}
	s := &Summary{LedgerSize: ledger, CeremonyEntries: ceremony, Submissions: int(tally.Submitted.Load()),
		Duplicates: int(tally.Duplicates.Load()), Decisions: map[string]int{"error": int(tally.Errors.Load())}}
	if err := s.CheckCounts(); err != nil {
		t.Error(err)
	}
}
