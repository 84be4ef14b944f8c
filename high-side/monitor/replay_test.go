package monitor

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"bastion/high-side/intake"
	"bastion/shared/entry"
)

// score is a confusion count with precision, recall and F1.
type score struct{ tp, fp, fn, tn int }

func (s score) precision() float64 { return ratio(s.tp, s.tp+s.fp) }
func (s score) recall() float64    { return ratio(s.tp, s.tp+s.fn) }
func (s score) f1() float64 {
	p, r := s.precision(), s.recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func (s *score) add(flagged, truth bool) {
	switch {
	case flagged && truth:
		s.tp++
	case flagged:
		s.fp++
	case truth:
		s.fn++
	default:
		s.tn++
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// row is one CSV record with its file's header index.
type row struct {
	rec []string
	col map[string]int
}

func (r row) get(name string) string { return r.rec[r.col[name]] }

// readCSV returns the rows of a CSV file.
func readCSV(t *testing.T, path string) []row {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	r.ReuseRecord = false
	var rows []row
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(rec) != len(header) {
			t.Fatalf("%s: record of %d fields, header has %d", path, len(rec), len(header))
		}
		rows = append(rows, row{rec, col})
	}
}

var paysimKinds = map[string]string{
	"TRANSFER": "transfer", "CASH_OUT": "cash_out", "PAYMENT": "payment", "CASH_IN": "cash_in", "DEBIT": "debit",
}

// TestReplayPaySim replays the PaySim sample through the built-in pack, in
// step order (one step is one hour), and scores review+reject against
// isFraud.
func TestReplayPaySim(t *testing.T) {
	rows := readCSV(t, filepath.Join(dataDir(t, "paysim"), "paysim_sample_10k.csv"))
	sort.SliceStable(rows, func(i, j int) bool { return atoi(t, rows[i].get("step")) < atoi(t, rows[j].get("step")) })
	m := newTestMonitor(t, nil)
	var s score
	byReason := map[string]int{}
	for i, r := range rows {
		at := t0.Add(time.Duration(atoi(t, r.get("step"))) * time.Hour)
		p := intake.Payment{
			ID: fmt.Sprintf("paysim-%d", i), Kind: paysimKinds[r.get("type")], Amount: dec(r.get("amount")),
			Currency: "USD", From: r.get("nameOrig"), To: r.get("nameDest"), FromBalance: dec(r.get("oldbalanceOrg")), Source: "replay",
		}
		d := commitPayment(m, p, at)
		s.add(d.Outcome != entry.Accept, r.get("isFraud") == "1")
		for _, reason := range d.Reasons {
			byReason[reason]++
		}
	}
	t.Logf("PaySim %d rows: tp=%d fp=%d fn=%d tn=%d precision=%.3f recall=%.3f f1=%.3f reasons=%v",
		len(rows), s.tp, s.fp, s.fn, s.tn, s.precision(), s.recall(), s.f1(), byReason)
	if s.tp+s.fn != 500 {
		t.Errorf("fraud rows: got %d, want 500", s.tp+s.fn)
	}
	if s.precision() < 0.90 || s.recall() < 0.95 {
		t.Errorf("precision %.3f recall %.3f, want at least 0.90 and 0.95", s.precision(), s.recall())
	}
}

// amlsimPack is the built-in pack with AML windows in days, the time step
// of AMLSim, and only the network rules on.
func amlsimPack(c *Config) {
	day := 24 * time.Hour
	p := &c.Payments
	p.Drain.Action, p.Velocity.Action, p.History.Action = Off, Off, Off
	p.NewCounterparty.Action, p.Structuring.Action = Off, Off
	p.FanOut = CountRule{Action: Review, Window: Duration{10 * day}, Max: 6}
	p.FanIn = CountRule{Action: Review, Window: Duration{10 * day}, Max: 6}
	p.Cycle = CycleRule{Action: Review, Window: Duration{30 * day}, MaxDepth: 3}
	c.State.History = 64
}

// TestReplayAMLSim replays the AMLSim 20K transactions in time order and
// scores, per account, the accounts flagged by fan-in, fan-out or cycle
// against the isFraud label of nodes.csv.
func TestReplayAMLSim(t *testing.T) {
	dir := dataDir(t, filepath.Join("amlsim", "20K_fanin200cycle200"))
	nodes := readCSV(t, filepath.Join(dir, "nodes.csv"))
	txs := readCSV(t, filepath.Join(dir, "transactions.csv"))
	m := newTestMonitor(t, amlsimPack)
	flagged := map[string]bool{}
	for i, r := range txs {
		at := t0.Add(time.Duration(atoi(t, r.get("time"))) * 24 * time.Hour)
		p := intake.Payment{ID: strconv.Itoa(i), Kind: "transfer", Amount: dec(r.get("value")), Currency: "USD",
			From: r.get("sourceNodeId"), To: r.get("targetNodeId"), Source: "replay"}
		d := commitPayment(m, p, at)
		for _, c := range d.Checks {
			if c.Result == entry.Pass {
				continue
			}
			if c.Rule == "fan_out" || c.Rule == "cycle" {
				flagged[p.From] = true
			}
			if c.Rule == "fan_in" || c.Rule == "cycle" {
				flagged[p.To] = true
			}
		}
	}
	var s score
	for _, n := range nodes {
		s.add(flagged[n.get("nodeid")], n.get("isFraud") == "1")
	}
	t.Logf("AMLSim %d accounts, %d transactions: flagged=%d tp=%d fp=%d fn=%d precision=%.3f recall=%.3f f1=%.3f",
		len(nodes), len(txs), len(flagged), s.tp, s.fp, s.fn, s.precision(), s.recall(), s.f1())
	if s.precision() < 0.40 || s.recall() < 0.20 {
		t.Errorf("precision %.3f recall %.3f, want at least 0.40 and 0.20", s.precision(), s.recall())
	}
}

func atoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("malformed integer %q", s)
	}
	return n
}
