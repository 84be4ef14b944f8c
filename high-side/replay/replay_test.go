package replay

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bastion/high-side/fix"
	"bastion/high-side/intake"
	"bastion/shared/entry"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// dataFile returns the path of a data file, skipping the test when it is
// missing, or failing it when CI=true.
func dataFile(t testing.TB, rel string) string {
	t.Helper()
	path := filepath.Join(DataDir(), rel)
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("test data missing: %v", err)
		}
		t.Skipf("test data missing (set BASTION_DATA): %v", err)
	}
	return path
}

func TestLOBSTERFile(t *testing.T) {
	orders, err := LoadLOBSTER(dataFile(t, LOBSTERFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 999 {
		t.Fatalf("got %d orders, want 999", len(orders))
	}
	events := map[entry.OrderEvent]int{}
	traders := map[string]int{}
	for _, o := range orders {
		events[o.Event]++
		traders[o.Trader]++
	}
	// 471 submissions, 369 deletes, 98 visible and 61 hidden executions.
	if want := map[entry.OrderEvent]int{entry.OrderNew: 471, entry.OrderCancel: 369, entry.OrderExecute: 159}; !cmp.Equal(events, want) {
		t.Fatalf("got events %v, want %v", events, want)
	}
	if len(traders) != 4 {
		t.Fatalf("got traders %v, want T1..T4", traders)
	}
	first := intake.Order{ID: "lobster-AAPL-1", OrderID: "AAPL-16113575", Event: entry.OrderNew, Symbol: "AAPL",
		Side: entry.Buy, Quantity: 18, Price: decimal.RequireFromString("585.33"), Trader: "T4",
		Account: "ACCT-T4", Source: "replay",
		Time: time.Date(2012, 6, 21, 13, 30, 0, 4241176, time.UTC).UnixNano()}
	if d := cmp.Diff(first, orders[0]); d != "" {
		t.Fatalf("first order (-want +got):\n%s", d)
	}
	if last := orders[998]; last.ID != "lobster-AAPL-999" || last.Time <= first.Time {
		t.Fatalf("got last %+v, want line 999 after the first", last)
	}
}

func TestLOBSTERRows(t *testing.T) {
	tests := []struct {
		line string
		err  string // "" means valid
		ev   entry.OrderEvent
	}{
		{"34200.004241176,1,16113575,18,5853300,1", "", entry.OrderNew},
		{"34200.1,2,5,10,5853300,-1", "", entry.OrderCancel},
		{"34200,5,0,100,5857900,-1", "", entry.OrderExecute},
		{"34200.0,7,0,0,-1,-1", "", ""},
		{"34200.004241176,6,1,18,5853300,1", "column event type", ""},
		{"34200.0042411761,1,1,18,5853300,1", "column time", ""},
		{"-1.5,1,1,18,5853300,1", "column time", ""},
		{"86400,1,1,18,5853300,1", "column time", ""},
		{"34200.1,1,x,18,5853300,1", "column order id", ""},
		{"34200.1,1,1,-18,5853300,1", "column size", ""},
		{"34200.1,1,1,18,58533.00,1", "column price", ""},
		{"34200.1,1,1,18,5853300,0", "column direction", ""},
		{"34200.1,1,1,18,5853300", "columns, want 6", ""},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			var got []intake.Order
			err := ReadLOBSTER(strings.NewReader("34200.1,1,1,1,1,1\n"+tt.line), "test.csv", func(o intake.Order) error {
				got = append(got, o)
				return nil
			})
			if tt.err != "" {
				var re *RowError
				if !errors.As(err, &re) || re.Line != 2 || !strings.Contains(err.Error(), "test.csv:2: ") || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want test.csv:2 error containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.ev == "" {
				if len(got) != 1 {
					t.Fatalf("got %d orders, want the halt skipped", len(got))
				}
				return
			}
			if len(got) != 2 || got[1].Event != tt.ev {
				t.Fatalf("got %+v, want a %s", got, tt.ev)
			}
		})
	}
}

func TestPaySimFile(t *testing.T) {
	pays, err := LoadPaySim(dataFile(t, PaySimFile))
	if err != nil {
		t.Fatal(err)
	}
	fraud, flagged := 0, 0
	kinds := map[string]int{}
	for _, p := range pays {
		if p.Fraud {
			fraud++
		}
		if p.Flagged {
			flagged++
		}
		kinds[p.Item.Kind]++
	}
	if len(pays) != 10000 || fraud != 500 || flagged != 1 {
		t.Fatalf("got %d payments, %d fraud, %d flagged; want 10000, 500, 1", len(pays), fraud, flagged)
	}
	want := map[string]int{"cash_in": 2098, "cash_out": 3678, "debit": 56, "payment": 3168, "transfer": 1000}
	if !cmp.Equal(kinds, want) {
		t.Fatalf("got kinds %v, want %v", kinds, want)
	}
	first := intake.Payment{ID: "paysim-2", Kind: "cash_out", Amount: decimal.RequireFromString("114664.45"),
		Currency: "USD", From: "C1911904419", To: "C763019604", FromBalance: decimal.Zero, Source: "replay",
		Time: PaySimEpoch.Add(180 * time.Hour).UnixNano()}
	if d := cmp.Diff(first, pays[0].Item); d != "" {
		t.Fatalf("first payment (-want +got):\n%s", d)
	}
}

func TestPaySimRows(t *testing.T) {
	header := strings.Join(PaySimHeader, ",") + "\n"
	good := "1,PAYMENT,9839.64,C1231006815,170136.0,160296.36,M1979787155,0.0,0.0,0,0"
	tests := []struct {
		name, body, err string
	}{
		{"good", header + good, ""},
		{"bad header", "step,type\n" + good, "test.csv:1: header"},
		{"bad type", header + strings.Replace(good, "PAYMENT", "GIFT", 1), "test.csv:2: column type"},
		{"exponent amount", header + strings.Replace(good, "9839.64", "9.8e3", 1), "test.csv:2: column amount"},
		{"negative amount", header + strings.Replace(good, "9839.64", "-1", 1), "test.csv:2: column amount"},
		{"bad label", header + strings.TrimSuffix(good, "0,0") + "2,0", "test.csv:2: column isFraud"},
		{"bad name", header + strings.Replace(good, "C1231006815", "C1 2", 1), "test.csv:2: column nameOrig"},
		{"short row", header + good + "\n1,PAYMENT", "test.csv:3: 2 columns, want 11"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			err := ReadPaySim(strings.NewReader(tt.body), "test.csv", func(Labeled[intake.Payment]) error { n++; return nil })
			if tt.err == "" && (err != nil || n != 1) {
				t.Fatalf("got %d rows, %v; want 1 row", n, err)
			}
			if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("got %v, want an error containing %q", err, tt.err)
			}
		})
	}
}

func TestAMLSimFiles(t *testing.T) {
	pays, err := LoadAMLSim(dataFile(t, AMLSimFile))
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := LoadAMLSimNodes(dataFile(t, AMLSimNodesFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(pays) != 120558 || len(nodes) != 20000 {
		t.Fatalf("got %d payments and %d nodes, want 120558 and 20000", len(pays), len(nodes))
	}
	fraudNodes := 0
	for _, n := range nodes {
		if n.Fraud {
			fraudNodes++
		}
	}
	// metadata.txt says 1,803; the file itself labels 1,804 nodes.
	if fraudNodes != 1804 {
		t.Fatalf("got %d fraud nodes, want 1804", fraudNodes)
	}
	first := intake.Payment{ID: "amlsim-2", Kind: "transfer", Amount: decimal.RequireFromString("163.3"),
		Currency: "USD", From: "AML-216", To: "AML-14730", Source: "replay",
		Time: AMLSimEpoch.Add(24 * time.Hour).UnixNano()}
	if d := cmp.Diff(first, pays[0]); d != "" {
		t.Fatalf("first payment (-want +got):\n%s", d)
	}
	labeled := LabelAMLSim(pays, nodes)
	n := 0
	for _, l := range labeled {
		if l.Fraud {
			n++
		}
	}
	if n == 0 || n == len(labeled) {
		t.Fatalf("got %d of %d transfers labelled fraud, want some but not all", n, len(labeled))
	}
	t.Logf("%d of %d transfers run between fraud-labelled accounts", n, len(labeled))
}

func TestAMLSimRows(t *testing.T) {
	tests := []struct{ body, err string }{
		{"sourceNodeId,targetNodeId,value,time\n1,2,3.5,4", ""},
		{"sourceNodeId,targetNodeId,value,time\n1,2,abc,4", "t.csv:2: column value"},
		{"sourceNodeId,targetNodeId,value,time\n-1,2,3,4", "t.csv:2: column sourceNodeId"},
		{"sourceNodeId,targetNodeId,value,time\n1,2,3,\"4", "t.csv:2:"},
		{"src,dst,value,time\n1,2,3,4", "t.csv:1: header"},
	}
	for _, tt := range tests {
		err := ReadAMLSim(strings.NewReader(tt.body), "t.csv", func(intake.Payment) error { return nil })
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%q: got %v, want error containing %q", tt.body, err, tt.err)
		}
	}
}

func TestFIXOrders(t *testing.T) {
	dir := dataFile(t, FIXLogDir)
	orders, rep, err := FIXOrders(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Files != 11 || rep.Messages != 38 || len(rep.Skipped) != 1 {
		t.Fatalf("got %d files, %d messages, %d skipped; want 11, 38, 1", rep.Files, rep.Messages, len(rep.Skipped))
	}
	// D messages: 2 in each of four per-line logs, one each in the pipe
	// and sender-and-target logs, and a repeat in the mixed-text log.
	if len(orders) != 9 {
		t.Fatalf("got %d orders, want 9", len(orders))
	}
	for _, o := range orders {
		if _, err := fix.ParseNewOrderSingle(o.Message); err != nil {
			t.Errorf("%s:%d: %v", o.File, o.Line, err)
		}
	}
}

func TestGenerator(t *testing.T) {
	a, b := NewGenerator(7), NewGenerator(7)
	oa, ob := a.Orders(1000), b.Orders(1000)
	pa, pb := a.Payments(600), b.Payments(600)
	if !cmp.Equal(oa, ob) || !cmp.Equal(pa, pb) {
		t.Fatal("equal seeds gave different streams")
	}
	if cmp.Equal(oa, NewGenerator(8).Orders(1000)) {
		t.Fatal("different seeds gave the same orders")
	}
	restricted, breaches := 0, 0
	for _, o := range oa {
		if o.Event == entry.OrderNew && o.Symbol == RestrictedSymbol {
			restricted++
		}
		if ref, ok := ReferencePrices[o.Symbol]; ok && o.Event == entry.OrderNew &&
			o.Price.GreaterThan(decimal.RequireFromString(ref).Mul(decimal.RequireFromString("1.2"))) {
			breaches++
		}
		if o.Quantity <= 0 || !o.Price.IsPositive() || o.Trader == "" {
			t.Fatalf("implausible order %+v", o)
		}
	}
	drains := 0
	for _, p := range pa {
		if p.FromBalance.IsPositive() && p.Amount.Div(p.FromBalance).GreaterThan(decimal.RequireFromString("0.9")) {
			drains++
		}
		if p.From == p.To || !p.Amount.IsPositive() || p.FromBalance.IsNegative() {
			t.Fatalf("implausible payment %+v", p)
		}
	}
	if restricted == 0 || breaches == 0 || drains < 15 {
		t.Fatalf("got %d restricted, %d collar breaches, %d drains; want some of each (drains >= 15)", restricted, breaches, drains)
	}
	t.Logf("1000 orders: %d restricted, %d collar breaches; 600 payments: %d drains", restricted, breaches, drains)
}

func FuzzLOBSTERRow(f *testing.F) {
	f.Add("34200.004241176,1,16113575,18,5853300,1")
	f.Add("34200,5,0,100,5857900,-1")
	f.Add("1.,7,0,0,0,1")
	f.Fuzz(func(t *testing.T, line string) {
		ReadLOBSTER(strings.NewReader(line), "fuzz.csv", func(o intake.Order) error {
			if o.Quantity < 0 || o.Time <= 0 && o.Time != lobsterSession.UnixNano() {
				t.Fatalf("implausible order %+v from %q", o, line)
			}
			return nil
		})
	})
}

func FuzzPaySimRow(f *testing.F) {
	f.Add("1,PAYMENT,9839.64,C1231006815,170136.0,160296.36,M1979787155,0.0,0.0,0,0")
	f.Add("1,TRANSFER,1e3,a,0,0,b,0,0,1,1")
	f.Fuzz(func(t *testing.T, line string) {
		body := strings.Join(PaySimHeader, ",") + "\n" + line
		ReadPaySim(strings.NewReader(body), "fuzz.csv", func(p Labeled[intake.Payment]) error {
			if p.Item.Amount.IsNegative() || p.Item.From == "" {
				t.Fatalf("implausible payment %+v from %q", p, line)
			}
			return nil
		})
	})
}

func FuzzAMLSimRow(f *testing.F) {
	f.Add("216,14730,163.3,1")
	f.Add("0,0,0,0")
	f.Fuzz(func(t *testing.T, line string) {
		body := strings.Join(AMLSimHeader, ",") + "\n" + line
		ReadAMLSim(strings.NewReader(body), "fuzz.csv", func(p intake.Payment) error {
			if p.Amount.IsNegative() {
				t.Fatalf("negative amount from %q", line)
			}
			return nil
		})
	})
}

func FuzzAMLSimNode(f *testing.F) {
	f.Add("0", "0", "184.44", "-1")
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		n, err := ParseAMLSimNode([]string{a, b, c, d})
		if err == nil && (n.InitBalance.IsNegative() || n.FraudStep < -1) {
			t.Fatalf("implausible node %+v", n)
		}
	})
}
