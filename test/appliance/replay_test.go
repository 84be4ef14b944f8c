package appliance

import (
	"testing"

	"bastion/high-side/fix"
	"bastion/shared/entry"
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
