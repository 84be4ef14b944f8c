package report_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
	"bastion/shared/entry"
)

func buildStandard(t *testing.T) *report.Builder {
	t.Helper()
	b := report.NewBuilder()
	for _, bt := range reporttest.Standard() {
		if err := b.Add(bt); err != nil {
			t.Fatalf("Add(batch %d): %v", bt.Seq, err)
		}
	}
	return b
}

func cp(size uint64) *report.Checkpoint {
	return &report.Checkpoint{Origin: reporttest.Origin, Size: size, Root: reporttest.Root(size)}
}

func rej(idx uint64, at string, typ entry.Type, id, detail string, reasons ...string) report.Rejection {
	r := report.Rejection{Index: idx, Time: at, Type: typ, ID: id, Actor: "T1", Ref: id,
		Detail: detail, Reasons: reasons, Checks: []entry.Check{}, RulePack: "rp-7"}
	for i, code := range reasons {
		r.Checks = append(r.Checks, entry.Check{Rule: "rule_" + string(rune('0'+i)),
			Result: entry.Fail, Reason: code, Observed: "12", Limit: "10"})
	}
	return r
}

func TestBuilderStandardCounts(t *testing.T) {
	order, wire := "new buy 100 AAPL @ 585.33", "wire 250000 USD"
	want := map[string]*report.Daily{
		reporttest.Day1: {
			Date: reporttest.Day1, Checkpoint: cp(9), Ledger: report.Range{First: 0, Last: 6},
			Batches: report.Range{First: 1, Last: 2}, Gaps: []report.Range{},
			Entries: 7, Withheld: 2,
			ByType:    []report.Count{{"login", 1}, {"order", 2}, {"payment", 2}},
			ByOutcome: []report.Count{{"accept", 1}, {"none", 1}, {"reject", 2}, {"review", 1}},
			TopReasons: []report.Count{{"ACCOUNT_DRAIN", 1}, {"NEW_COUNTERPARTY", 1},
				{"PRICE_COLLAR", 1}, {"VELOCITY", 1}},
			Rejections: []report.Rejection{
				rej(2, "2012-06-21T09:31:00Z", entry.TypeOrder, "o-2", order, "PRICE_COLLAR"),
				rej(4, "2012-06-21T10:00:00Z", entry.TypePayment, "p-1", wire, "ACCOUNT_DRAIN", "VELOCITY"),
			},
			Refused: []report.RefusedBatch{},
		},
		reporttest.Day2: {
			Date: reporttest.Day2, Checkpoint: cp(16), Ledger: report.Range{First: 7, Last: 15},
			Batches: report.Range{First: 2, Last: 5}, Gaps: []report.Range{{First: 9, Last: 11}},
			Entries: 6, Withheld: 3,
			ByType:     []report.Count{{"config", 1}, {"order", 2}},
			ByOutcome:  []report.Count{{"accept", 1}, {"none", 1}, {"reject", 1}},
			TopReasons: []report.Count{{"PRICE_COLLAR", 1}},
			Rejections: []report.Rejection{
				rej(7, "2012-06-22T09:30:00Z", entry.TypeOrder, "o-3", order, "PRICE_COLLAR"),
			},
			Refused: []report.RefusedBatch{{Seq: 5, Ledger: report.Range{First: 14, Last: 15},
				Stage: "scan", Reason: "personal data pattern", Entries: 2}},
		},
	}
	b := buildStandard(t)
	if got, wantDates := b.Dates(), []string{reporttest.Day1, reporttest.Day2}; !cmp.Equal(got, wantDates) {
		t.Fatalf("Dates() = %v, want %v", got, wantDates)
	}
	for date, w := range want {
		t.Run(date, func(t *testing.T) {
			got, ok := b.Report(date)
			if !ok {
				t.Fatalf("Report(%s) missing", date)
			}
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("Report(%s) mismatch (-want +got):\n%s", date, diff)
			}
		})
	}
}

func TestBuilderAllDates(t *testing.T) {
	got, ok := buildStandard(t).Report(report.AllDates)
	if !ok {
		t.Fatal("no report for all dates")
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"entries", got.Entries, 13},
		{"withheld", got.Withheld, 5},
		{"rejections", len(got.Rejections), 3},
		{"ledger", got.Ledger, report.Range{First: 0, Last: 15}},
		{"gaps", got.Gaps, []report.Range{{First: 9, Last: 11}}},
		{"checkpoint", got.Checkpoint, cp(16)},
		{"refused", len(got.Refused), 1},
		{"top reason", got.TopReasons[0], report.Count{Key: "PRICE_COLLAR", Count: 2}},
		{"outcomes", got.ByOutcome, []report.Count{{"accept", 2}, {"none", 2}, {"reject", 3}, {"review", 1}}},
	}
	for _, c := range checks {
		if !cmp.Equal(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestBuilderRejectsBadBatches(t *testing.T) {
	tests := []struct {
		name    string
		batch   *report.Batch
		wantErr error
	}{
		{"same sequence", reporttest.NewBatch(5, 16, reporttest.Login("l-9", reporttest.At(reporttest.Day2, 12, 0))), report.ErrOutOfOrder},
		{"overlapping indexes", reporttest.NewBatch(6, 15, reporttest.Login("l-9", reporttest.At(reporttest.Day2, 12, 0))), report.ErrOutOfOrder},
		{"bad entry", reporttest.NewBatch(6, 16, []byte(`{"v":1}`)), nil},
		{"bad checkpoint", &report.Batch{Seq: 6, First: 16, Checkpoint: []byte("x\n")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := buildStandard(t)
			before, _ := b.Report(report.AllDates)
			err := b.Add(tt.batch)
			if err == nil {
				t.Fatal("Add succeeded, want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Add error = %v, want %v", err, tt.wantErr)
			}
			after, _ := b.Report(report.AllDates)
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("failed Add changed the report (-before +after):\n%s", diff)
			}
		})
	}
}

func TestBuilderOnlyWithheld(t *testing.T) {
	b := report.NewBuilder()
	if err := b.Add(reporttest.NewBatch(1, 0, nil, nil)); err != nil {
		t.Fatal(err)
	}
	if got := b.Dates(); len(got) != 0 {
		t.Errorf("Dates() = %v, want none", got)
	}
	all, _ := b.Report(report.AllDates)
	if all.Withheld != 2 || all.Entries != 2 {
		t.Errorf("all: withheld %d of %d entries, want 2 of 2", all.Withheld, all.Entries)
	}
}
