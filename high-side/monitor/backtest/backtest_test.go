package backtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bastion/high-side/intake"
	"bastion/high-side/monitor"
	"bastion/high-side/replay"
	"bastion/shared/entry"

	"github.com/shopspring/decimal"
)

// dataDir returns $BASTION_DATA (else the shared data beside the
// repository) when it holds path, skipping the test otherwise (failing
// under CI=true).
func dataDir(t testing.TB, path string) string {
	t.Helper()
	root := os.Getenv("BASTION_DATA")
	if root == "" {
		root = filepath.Join("..", "..", "..", "..", "shared", "data")
	}
	if _, err := os.Stat(filepath.Join(root, path)); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("test data missing: %v", err)
		}
		t.Skipf("test data missing (set BASTION_DATA): %v", err)
	}
	return root
}

// abuseRules are the market-abuse detectors the injection test scores.
var abuseRules = map[string]bool{
	"spoofing": true, "layering": true, "quote_stuffing": true, "cancel_ratio": true,
	"wash_trade": true, "marking_close": true, "front_running": true, "insider_dealing": true,
}

// injection is one abusive sequence: its orders and the rule that must
// alert on the order with id want.
type injection struct {
	rule   string
	want   string
	orders []intake.Order
}

// injector builds abusive sequences of AAPL orders from a start time.
type injector struct{ n int }

func (in *injector) order(trader, oid string, ev entry.OrderEvent, side entry.Side, qty int64, price string, at time.Time) intake.Order {
	in.n++
	return intake.Order{
		ID: fmt.Sprintf("inj-%d", in.n), OrderID: oid, Event: ev, Symbol: "AAPL", Side: side, Quantity: qty,
		Price: decimal.RequireFromString(price), Trader: trader, Account: "ACCT-" + trader, Source: "replay",
		Time: at.UnixNano(),
	}
}

// spoof: a large bid, a small ask that trades, the bid cancelled.
func (in *injector) spoof(k int, t time.Time) injection {
	big, small := fmt.Sprintf("sp-big-%d", k), fmt.Sprintf("sp-small-%d", k)
	ms := func(n int) time.Time { return t.Add(time.Duration(n) * time.Millisecond) }
	os := []intake.Order{
		in.order("SPOOF-1", big, entry.OrderNew, entry.Buy, 3000, "585.00", ms(0)),
		in.order("SPOOF-1", small, entry.OrderNew, entry.Sell, 100, "585.60", ms(10)),
		in.order("SPOOF-1", small, entry.OrderExecute, entry.Sell, 100, "585.60", ms(500)),
		in.order("SPOOF-1", big, entry.OrderCancel, entry.Buy, 3000, "585.00", ms(900)),
	}
	return injection{rule: "spoofing", want: os[3].ID, orders: os}
}

// layer: four bid levels of 2,000, a small ask that trades, the bids
// cancelled; the third cancel completes three levels of 6,000.
func (in *injector) layer(k int, t time.Time) injection {
	ms := func(n int) time.Time { return t.Add(time.Duration(n) * time.Millisecond) }
	ask := fmt.Sprintf("ly-ask-%d", k)
	os := []intake.Order{in.order("LAYER-1", ask, entry.OrderNew, entry.Sell, 100, "585.40", ms(0))}
	prices := []string{"585.00", "584.99", "584.98", "584.97"}
	for i, p := range prices {
		os = append(os, in.order("LAYER-1", fmt.Sprintf("ly-%d-%d", k, i), entry.OrderNew, entry.Buy, 2000, p, ms(1+i)))
	}
	os = append(os, in.order("LAYER-1", ask, entry.OrderExecute, entry.Sell, 100, "585.40", ms(300)))
	for i, p := range prices {
		os = append(os, in.order("LAYER-1", fmt.Sprintf("ly-%d-%d", k, i), entry.OrderCancel, entry.Buy, 2000, p, ms(400+i)))
	}
	return injection{rule: "layering", want: os[8].ID, orders: os}
}

// wash: two traders of one owner fill each other.
func (in *injector) wash(k int, t time.Time) injection {
	ms := func(n int) time.Time { return t.Add(time.Duration(n) * time.Millisecond) }
	a, b := fmt.Sprintf("wa-%d", k), fmt.Sprintf("wb-%d", k)
	os := []intake.Order{
		in.order("WASH-A", a, entry.OrderNew, entry.Buy, 200, "585.30", ms(0)),
		in.order("WASH-B", b, entry.OrderNew, entry.Sell, 200, "585.30", ms(1)),
		in.order("WASH-A", a, entry.OrderExecute, entry.Buy, 200, "585.30", ms(2)),
		in.order("WASH-B", b, entry.OrderExecute, entry.Sell, 200, "585.30", ms(2)),
	}
	return injection{rule: "wash_trade", want: os[3].ID, orders: os}
}

// TestInjectedAbuseInLOBSTER injects spoofing, layering and wash-trade
// sequences into the real LOBSTER slice, replays it with the surveillance
// pack and checks that every sequence is alerted by its rule while the
// real events, all negatives, raise at most one market-abuse alert per
// started thousand.
func TestInjectedAbuseInLOBSTER(t *testing.T) {
	root := dataDir(t, replay.LOBSTERFile)
	real, err := replay.LoadLOBSTER(filepath.Join(root, replay.LOBSTERFile))
	if err != nil {
		t.Fatal(err)
	}
	cfg := monitor.SurveillanceConfig()
	cfg.Traders = map[string]monitor.TraderConfig{"WASH-A": {Owner: "OWNER-W"}, "WASH-B": {Owner: "OWNER-W"}}
	m, err := monitor.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}

	// Spread five sequences of each kind over the slice's 49 seconds.
	start := time.Unix(0, real[0].Time)
	var in injector
	var injs []injection
	for k := range 5 {
		at := start.Add(time.Duration(k)*9*time.Second + 700*time.Millisecond)
		injs = append(injs, in.spoof(k, at), in.layer(k, at.Add(2*time.Second)), in.wash(k, at.Add(4*time.Second)))
	}
	all := append([]intake.Order{}, real...)
	for _, j := range injs {
		all = append(all, j.orders...)
	}

	alerted := replayAlerts(m, all)
	for _, j := range injs {
		if !alerted[j.want][j.rule] {
			t.Errorf("%s sequence ending %s: not alerted, want %s (alerts %v)", j.rule, j.want, j.rule, alerted[j.want])
		}
	}
	falseAlerts := 0
	for id, rules := range alerted {
		for rule := range rules {
			if strings.HasPrefix(id, "lobster-") && abuseRules[rule] {
				falseAlerts++
				t.Logf("false alert: %s %s", id, rule)
			}
		}
	}
	if limit := (len(real) + 999) / 1000; falseAlerts > limit {
		t.Errorf("false market-abuse alerts on %d real events: got %d, want at most %d", len(real), falseAlerts, limit)
	}
}

// replayAlerts replays orders in time order and returns the rules alerted
// per submission id.
func replayAlerts(m *monitor.Monitor, orders []intake.Order) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	sortOrders(orders)
	for _, o := range orders {
		at := time.Unix(0, o.Time)
		for _, a := range m.ObserveOrder(o, m.DecideOrder(o, at), at) {
			if out[o.ID] == nil {
				out[o.ID] = map[string]bool{}
			}
			out[o.ID][a.Rule] = true
		}
	}
	return out
}

// TestRunScores runs the whole backtest on the shipped data and checks
// the figures this package is calibrated to reach.
func TestRunScores(t *testing.T) {
	root := dataDir(t, replay.AMLSimFile)
	r, err := Run(Options{DataDir: root, Config: monitor.SurveillanceConfig()})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("LOBSTER %+v", r.LOBSTER)
	t.Logf("PaySim %+v", r.PaySim)
	t.Logf("AMLSim %+v", r.AMLSim)
	tests := []struct {
		name      string
		got, want float64
	}{
		{"PaySim precision", r.PaySim.Score.Precision, 0.90},
		{"PaySim recall", r.PaySim.Score.Recall, 0.95},
		{"AMLSim account F1", r.AMLSim.Score.F1, 0.80},
		{"AMLSim account precision", r.AMLSim.Score.Precision, 0.95},
	}
	for _, tt := range tests {
		if tt.got < tt.want {
			t.Errorf("%s: got %.3f, want at least %.2f", tt.name, tt.got, tt.want)
		}
	}
	if got, want := r.AMLSim.Accounts, 20000; got != want {
		t.Errorf("AMLSim accounts: got %d, want %d", got, want)
	}
}

func TestRunMissingData(t *testing.T) {
	_, err := Run(Options{DataDir: t.TempDir(), Config: monitor.SurveillanceConfig()})
	if err == nil || !strings.Contains(err.Error(), "lobster") {
		t.Fatalf("got %v, want an error naming the LOBSTER file", err)
	}
}
