package report_test

import (
	"bytes"
	"compress/bzip2"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
)

// needBzip2 skips a test outside CI when the bzip2 program is missing.
func needBzip2(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("bzip2"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("bzip2 is not installed (Debian package bzip2)")
		}
		t.Skip("bzip2 is not installed (apt-get install -y bzip2)")
	}
}

var fdidKey = bytes.Repeat([]byte{7}, report.FDIDKeySize)

func collect(t *testing.T, date string) *report.Day {
	t.Helper()
	dir := reporttest.WriteExport(t, t.TempDir(), reporttest.RegulatoryBatches()...)
	day, err := report.CollectDay(dir, date)
	if err != nil {
		t.Fatal(err)
	}
	return day
}

func TestCollectDay(t *testing.T) {
	day := collect(t, reporttest.Day1)
	c := day.Coverage
	if c.Ledger != (report.Range{First: 0, Last: 10}) || c.Batches != (report.Range{First: 1, Last: 2}) {
		t.Errorf("coverage ledger %v batches %v, want 0-10 and 1-2", c.Ledger, c.Batches)
	}
	if c.Checkpoint == nil || c.Checkpoint.Size != 11 || c.NoteSHA256 == "" || len(c.Chain) != 64 {
		t.Errorf("coverage = %+v, want checkpoint of size 11, note hash and chain", c)
	}
	if len(day.Entries) != 10 {
		t.Errorf("day entries = %d, want 10 (11 less one withheld)", len(day.Entries))
	}
	if _, err := report.CollectDay(report.ExportDir{Root: t.TempDir(), Parse: reporttest.Parse}, "2012-13-01"); err == nil {
		t.Error("CollectDay accepted date 2012-13-01")
	}
	dir := reporttest.WriteExport(t, t.TempDir(), reporttest.RegulatoryBatches()...)
	if _, err := report.CollectDay(dir, "2012-06-23"); !errors.Is(err, report.ErrNoEntries) {
		t.Errorf("CollectDay on an empty date = %v, want ErrNoEntries", err)
	}
}

func TestBuildCAT(t *testing.T) {
	day := collect(t, reporttest.Day1)
	cfg := report.DefaultCATConfig(fdidKey)
	events, held := report.BuildCAT(day, cfg)
	type row struct {
		Type      string
		OrderID   string
		Qty       int64
		Leaves    int64
		CancelQty int64
	}
	var got []row
	for _, e := range events {
		r := row{Type: e.Type, OrderID: e.OrderID, Qty: e.Quantity, CancelQty: e.CancelQty}
		if e.LeavesQty != nil {
			r.Leaves = *e.LeavesQty
		}
		if e.BuyDetails != nil {
			r.OrderID = e.BuyDetails.OrderID
		}
		got = append(got, r)
	}
	want := []row{
		{"MENO", "o-1", 100, 0, 0}, {"MEOR", "o-1", 100, 0, 0}, {"MEOT", "o-1", 40, 0, 0},
		{"MEOM", "o-1", 80, 40, 0}, {"MENO", "o-3", 200, 0, 0}, {"MEOC", "o-3", 0, 0, 200},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("CAT events (-want +got):\n%s", d)
	}
	if len(held) != 1 || held[0].Index != 10 {
		t.Errorf("held back = %+v, want ledger index 10", held)
	}
	if e := events[0]; e.FirmROEID != "20120621_0" || e.FirmDesignatedID != report.FirmDesignatedID(fdidKey, reporttest.Account()) {
		t.Errorf("first event firmROEID %q FDID %q", e.FirmROEID, e.FirmDesignatedID)
	}
	if issues := report.ValidateCAT(reporttest.Day1, events, day.Accounts); len(issues) != 0 {
		t.Errorf("generated events fail pre-validation: %v", issues)
	}

	// The next day's execution refers to the order key the modify made.
	day2 := collect(t, reporttest.Day2)
	ev2, _ := report.BuildCAT(day2, cfg)
	if len(ev2) != 1 || ev2[0].BuyDetails == nil || ev2[0].BuyDetails.OrderKeyDate != events[3].OrderKeyDate {
		t.Fatalf("day 2 events = %+v, want one trade keyed on the modify's key %d", ev2, events[3].OrderKeyDate)
	}
	if issues := report.ValidateCAT(reporttest.Day2, ev2, day2.Accounts); len(issues) != 0 {
		t.Errorf("day 2 events fail pre-validation: %v", issues)
	}
}

func TestFirmDesignatedID(t *testing.T) {
	a := report.FirmDesignatedID(fdidKey, reporttest.Account())
	if len(a) != 25 || strings.Trim(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
		t.Errorf("FDID %q: want 25 characters of A-Z and 2-7", a)
	}
	if b := report.FirmDesignatedID(fdidKey, reporttest.Account()); b != a {
		t.Errorf("FDID not stable: %q then %q", a, b)
	}
	if b := report.FirmDesignatedID(bytes.Repeat([]byte{8}, 32), reporttest.Account()); b == a {
		t.Error("FDID does not depend on the key")
	}
	if strings.Contains(strings.ToUpper(reporttest.Account()), a[1:]) {
		t.Error("FDID is part of the commitment")
	}
}

func TestValidateCAT(t *testing.T) {
	day := collect(t, reporttest.Day1)
	good, _ := report.BuildCAT(day, report.DefaultCATConfig(fdidKey))
	leaves := func(n int64) *int64 { return &n }
	tests := []struct {
		name   string
		mutate func(ev []report.CATEvent) []report.CATEvent
		rule   string
		line   int
	}{
		{"duplicate order key", func(ev []report.CATEvent) []report.CATEvent {
			dup := ev[0]
			dup.FirmROEID = "20120621_99"
			return append(ev, dup)
		}, report.RuleDuplicateKey, 7},
		{"duplicate firmROEID", func(ev []report.CATEvent) []report.CATEvent {
			ev[1].FirmROEID = ev[0].FirmROEID
			return ev
		}, report.RuleDuplicateROEID, 2},
		{"route before new", func(ev []report.CATEvent) []report.CATEvent {
			ev[0], ev[1] = ev[1], ev[0]
			return ev
		}, report.RuleBeforePrimary, 1},
		{"trade timestamp before new", func(ev []report.CATEvent) []report.CATEvent {
			ev[2].EventTimestamp = ev[0].EventTimestamp - 1
			return ev
		}, report.RuleBeforePrimary, 3},
		{"cancel of a key never made", func(ev []report.CATEvent) []report.CATEvent {
			ev[5].OrderID = "o-77"
			return ev
		}, report.RuleBeforePrimary, 6},
		{"leaves over quantity", func(ev []report.CATEvent) []report.CATEvent {
			ev[3].LeavesQty = leaves(81)
			return ev
		}, report.RuleLeavesOverQty, 4},
		{"negative leaves", func(ev []report.CATEvent) []report.CATEvent {
			ev[5].LeavesQty = leaves(-1)
			return ev
		}, report.RuleLeavesOverQty, 6},
		{"firmROEID of another date", func(ev []report.CATEvent) []report.CATEvent {
			ev[4].FirmROEID = "20120620_6"
			return ev
		}, report.RuleROEIDDate, 5},
		{"FDID is the commitment", func(ev []report.CATEvent) []report.CATEvent {
			ev[0].FirmDesignatedID = reporttest.Account()
			return ev
		}, report.RuleRawAccount, 1},
		{"FDID holds the commitment's hash", func(ev []report.CATEvent) []report.CATEvent {
			ev[0].FirmDesignatedID = "X" + strings.TrimPrefix(reporttest.Account(), "c1:")
			return ev
		}, report.RuleRawAccount, 1},
		{"FDID all digits", func(ev []report.CATEvent) []report.CATEvent {
			ev[4].FirmDesignatedID = "0012345678"
			return ev
		}, report.RuleRawAccount, 5},
		{"unknown type", func(ev []report.CATEvent) []report.CATEvent {
			ev[1].Type = "MEXX"
			return ev
		}, report.RuleUnknownEventType, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := tt.mutate(append([]report.CATEvent(nil), good...))
			issues := report.ValidateCAT(reporttest.Day1, ev, day.Accounts)
			if len(issues) == 0 {
				t.Fatalf("no issue found, want %s at line %d", tt.rule, tt.line)
			}
			if issues[0].Rule != tt.rule || issues[0].Line != tt.line {
				t.Fatalf("first issue = %v, want %s at line %d", issues[0], tt.rule, tt.line)
			}
		})
	}
}

func TestControlsAndSurveillance(t *testing.T) {
	day := collect(t, reporttest.Day1)
	c := report.BuildControls(day)
	if c.Orders != 8 || c.Blocked != 1 || c.Review != 1 || c.Override != 1 {
		t.Errorf("controls orders %d blocked %d review %d overridden %d, want 8, 1, 1, 1",
			c.Orders, c.Blocked, c.Review, c.Override)
	}
	var o2 report.ControlRow
	for _, r := range c.Rows {
		if r.OrderID == "o-2" {
			o2 = r
		}
	}
	if len(o2.Overrides) != 1 || o2.Overrides[0].Approver != "CCO" || o2.Outcome != "reject" {
		t.Errorf("o-2 row = %+v, want rejected with one override approved by CCO", o2)
	}
	wantRules := []report.RuleCount{
		{Rule: "notional", Evaluated: 5, Pass: 5}, {Rule: "price_collar", Evaluated: 5, Pass: 5},
		{Rule: "rule_0", Evaluated: 2, Alert: 1, Fail: 1},
	}
	if d := cmp.Diff(wantRules, c.Rules); d != "" {
		t.Errorf("rule counts (-want +got):\n%s", d)
	}

	s := report.BuildSurveillance(day)
	if s.Alerts != 3 {
		t.Errorf("alerts = %d, want 3", s.Alerts)
	}
	wantReasons := []report.Count{{Key: "NEW_COUNTERPARTY", Count: 1}, {Key: "PRICE_COLLAR", Count: 1},
		{Key: "WATCH_LIST", Count: 1}}
	if d := cmp.Diff(wantReasons, s.ByReason); d != "" {
		t.Errorf("by reason (-want +got):\n%s", d)
	}
	wantInstr := []report.Count{{Key: "AAPL", Count: 2}, {Key: "payment:USD", Count: 1}}
	if d := cmp.Diff(wantInstr, s.ByInstrument); d != "" {
		t.Errorf("by instrument (-want +got):\n%s", d)
	}
	wantTraders := []report.Count{{Key: "T1", Count: 3}}
	if d := cmp.Diff(wantTraders, s.ByTrader); d != "" {
		t.Errorf("by trader (-want +got):\n%s", d)
	}
}

func TestAttestation(t *testing.T) {
	day := collect(t, reporttest.Day1)
	a := report.BuildAttestation(day, report.SelfCheck{Key: "high-side", OK: false, Problems: 2,
		First: []string{"signature: batch 2: does not verify"}})
	if a.Entries != 11 || a.Withheld != 1 {
		t.Errorf("attestation entries %d withheld %d, want 11 and 1", a.Entries, a.Withheld)
	}
	if !strings.Contains(a.Statement, "FAILED with 2 problems") || !strings.Contains(a.Statement, "0-10") {
		t.Errorf("statement %q does not state the failure and the range", a.Statement)
	}
}

// TestBuildDeterministic builds every kind twice from separate copies of
// the export directory and demands identical bytes.
func TestBuildDeterministic(t *testing.T) {
	needBzip2(t)
	opt := report.Options{CAT: report.DefaultCATConfig(fdidKey), SelfCheck: report.SelfCheck{OK: true},
		Capital: reporttest.Capital("1000000.00", "500000.00"), GuardLog: reporttest.GuardEvents(reporttest.Day1, 1, "accept", "reject")}
	for _, k := range report.Kinds {
		t.Run(string(k), func(t *testing.T) {
			a, err := report.Build(k, collect(t, reporttest.Day1), opt)
			if err != nil {
				t.Fatal(err)
			}
			b, err := report.Build(k, collect(t, reporttest.Day1), opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Files) != len(b.Files) || len(a.Files) < 3 {
				t.Fatalf("files %d and %d, want the same, at least 3", len(a.Files), len(b.Files))
			}
			for i := range a.Files {
				if a.Files[i].Name != b.Files[i].Name || !bytes.Equal(a.Files[i].Data, b.Files[i].Data) {
					t.Errorf("file %s differs between two builds", a.Files[i].Name)
				}
			}
		})
	}
}

func TestCATFiles(t *testing.T) {
	needBzip2(t)
	out, err := report.Build(report.KindCAT, collect(t, reporttest.Day1), report.Options{CAT: report.DefaultCATConfig(fdidKey)})
	if err != nil {
		t.Fatal(err)
	}
	data, meta := out.Files[0], out.Files[1]
	if data.Name != "100000_BSTN_20120621_OrderEvents_000001.json.bz2" || data.Records != 6 {
		t.Errorf("data file %s with %d records, want 100000_BSTN_20120621_OrderEvents_000001.json.bz2 with 6",
			data.Name, data.Records)
	}
	lines, err := io.ReadAll(bzip2.NewReader(bytes.NewReader(data.Data)))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(lines, []byte("\n")); n != 6 {
		t.Errorf("decompressed file has %d lines, want 6", n)
	}
	var m report.CATMeta
	if err := json.Unmarshal(meta.Data, &m); err != nil {
		t.Fatal(err)
	}
	if m.RecordCount != 6 || m.FileName != data.Name || len(m.CompressedHash) != 64 {
		t.Errorf("metadata = %+v", m)
	}
	bad := report.DefaultCATConfig(fdidKey)
	bad.IMID = "../x"
	if _, err := report.Build(report.KindCAT, collect(t, reporttest.Day1), report.Options{CAT: bad}); !errors.Is(err, report.ErrCATConfig) {
		t.Errorf("Build with IMID ../x = %v, want ErrCATConfig", err)
	}
}

// TestPDFRenders checks with poppler's pdftoppm that every PDF renders.
func TestPDFRenders(t *testing.T) {
	needBzip2(t)
	pdftoppm, err := exec.LookPath("pdftoppm")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftoppm is not installed (Debian package poppler-utils)")
		}
		t.Skip("pdftoppm is not installed (apt-get install -y poppler-utils)")
	}
	opt := report.Options{CAT: report.DefaultCATConfig(fdidKey), SelfCheck: report.SelfCheck{OK: true},
		Capital: reporttest.Capital("1000000.00", "500000.00"), GuardLog: reporttest.GuardEvents(reporttest.Day1, 1, "accept", "reject")}
	dir := t.TempDir()
	for _, k := range report.Kinds {
		out, err := report.Build(k, collect(t, reporttest.Day1), opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range out.Files {
			if !strings.HasSuffix(f.Name, ".pdf") {
				continue
			}
			path := filepath.Join(dir, f.Name)
			os.WriteFile(path, f.Data, 0o644)
			cmd := exec.Command(pdftoppm, "-png", "-r", "30", "-f", "1", "-l", "1", path, filepath.Join(dir, "page"))
			if msg, err := cmd.CombinedOutput(); err != nil || len(msg) > 0 {
				t.Errorf("pdftoppm %s: %v %s", f.Name, err, msg)
			}
			pngs, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
			if len(pngs) != 1 {
				t.Errorf("pdftoppm %s made %d pages, want 1", f.Name, len(pngs))
			}
			for _, p := range pngs {
				os.Remove(p)
			}
		}
	}
}
