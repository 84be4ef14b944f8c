package monitor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bastion/high-side/intake"
	"bastion/shared/entry"
)

// step is one order event of a scenario, at t0 plus ms milliseconds.
type step struct {
	trader string
	id     string
	ev     entry.OrderEvent
	side   entry.Side
	qty    int64
	price  string
	ms     int64
}

func (s step) order(sym string) intake.Order {
	o := order(s.id, s.ev, sym, s.side, s.qty, s.price)
	o.ID = s.id + "-" + string(s.ev) + "-" + time.Duration(s.ms).String()
	o.Trader, o.Account = s.trader, "acct-"+s.trader
	return o
}

// surveillance returns a monitor on SurveillanceConfig changed by edit.
func surveillance(t *testing.T, edit func(*Config)) *Monitor {
	t.Helper()
	c := SurveillanceConfig()
	if edit != nil {
		edit(&c)
	}
	m, err := New(c, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

// TestMarketAbuseRules commits each scenario's steps and checks the rule's
// result on the last one.
func TestMarketAbuseRules(t *testing.T) {
	owners := func(c *Config) {
		c.Traders = map[string]TraderConfig{
			"a": {Owner: "fund-1"}, "b": {Owner: "fund-1"}, "c": {Owner: "fund-2"},
			"prop": {Category: CategoryProprietary}, "emp": {Category: CategoryEmployee},
		}
		c.Orders.QuoteStuffing.Max = 5
		c.Orders.CancelRatio.MinOrders = 4
		c.Orders.FrontRunning.MinQty = 5000
	}
	buy, sell := entry.Buy, entry.Sell
	tests := []struct {
		name  string
		rule  string
		steps []step
		want  entry.CheckResult
	}{
		{"spoof: large bid cancelled after selling", "spoofing", []step{
			{"a", "big", entry.OrderNew, buy, 3000, "585", 0}, {"a", "s", entry.OrderNew, sell, 100, "586", 1},
			{"a", "s", entry.OrderExecute, sell, 100, "586", 200}, {"a", "big", entry.OrderCancel, buy, 3000, "585", 400},
		}, entry.Alert},
		{"spoof: no trade on the other side", "spoofing", []step{
			{"a", "big", entry.OrderNew, buy, 3000, "585", 0}, {"a", "big", entry.OrderCancel, buy, 3000, "585", 400},
		}, entry.Pass},
		{"spoof: small order", "spoofing", []step{
			{"a", "big", entry.OrderNew, buy, 900, "585", 0}, {"a", "s", entry.OrderExecute, sell, 100, "586", 200},
			{"a", "big", entry.OrderCancel, buy, 900, "585", 400},
		}, entry.Pass},
		{"spoof: cancelled after the window", "spoofing", []step{
			{"a", "big", entry.OrderNew, buy, 3000, "585", 0}, {"a", "s", entry.OrderExecute, sell, 100, "586", 200},
			{"a", "big", entry.OrderCancel, buy, 3000, "585", 6000},
		}, entry.Pass},
		{"layering: three levels of 6000", "layering", []step{
			{"a", "l1", entry.OrderNew, buy, 2000, "585.00", 0}, {"a", "l2", entry.OrderNew, buy, 2000, "584.99", 1},
			{"a", "l3", entry.OrderNew, buy, 2000, "584.98", 2}, {"a", "s", entry.OrderExecute, sell, 100, "586", 100},
			{"a", "l1", entry.OrderCancel, buy, 2000, "585.00", 200}, {"a", "l2", entry.OrderCancel, buy, 2000, "584.99", 201},
			{"a", "l3", entry.OrderCancel, buy, 2000, "584.98", 202},
		}, entry.Alert},
		{"layering: two levels", "layering", []step{
			{"a", "l1", entry.OrderNew, buy, 3000, "585.00", 0}, {"a", "l2", entry.OrderNew, buy, 3000, "584.99", 1},
			{"a", "s", entry.OrderExecute, sell, 100, "586", 100},
			{"a", "l1", entry.OrderCancel, buy, 3000, "585.00", 200}, {"a", "l2", entry.OrderCancel, buy, 3000, "584.99", 201},
		}, entry.Pass},
		{"quote stuffing: sixth message in a second", "quote_stuffing", []step{
			{"a", "q1", entry.OrderNew, buy, 1, "585", 0}, {"a", "q1", entry.OrderCancel, buy, 1, "585", 10},
			{"a", "q2", entry.OrderNew, buy, 1, "585", 20}, {"a", "q2", entry.OrderCancel, buy, 1, "585", 30},
			{"a", "q3", entry.OrderNew, buy, 1, "585", 40}, {"a", "q3", entry.OrderCancel, buy, 1, "585", 50},
		}, entry.Alert},
		{"quote stuffing: spread over seconds", "quote_stuffing", []step{
			{"a", "q1", entry.OrderNew, buy, 1, "585", 0}, {"a", "q1", entry.OrderCancel, buy, 1, "585", 400},
			{"a", "q2", entry.OrderNew, buy, 1, "585", 1800}, {"a", "q2", entry.OrderCancel, buy, 1, "585", 2200},
			{"a", "q3", entry.OrderNew, buy, 1, "585", 3600}, {"a", "q3", entry.OrderCancel, buy, 1, "585", 4000},
		}, entry.Pass},
		{"cancel ratio: every order cancelled", "cancel_ratio", []step{
			{"a", "c1", entry.OrderNew, buy, 1, "585", 0}, {"a", "c1", entry.OrderCancel, buy, 1, "585", 2000},
			{"a", "c2", entry.OrderNew, buy, 1, "585", 4000}, {"a", "c2", entry.OrderCancel, buy, 1, "585", 6000},
			{"a", "c3", entry.OrderNew, buy, 1, "585", 8000}, {"a", "c3", entry.OrderCancel, buy, 1, "585", 10000},
			{"a", "c4", entry.OrderNew, buy, 1, "585", 12000}, {"a", "c4", entry.OrderCancel, buy, 1, "585", 14000},
		}, entry.Alert},
		{"wash: two traders of one owner", "wash_trade", []step{
			{"a", "w1", entry.OrderExecute, buy, 200, "585.3", 0}, {"b", "w2", entry.OrderExecute, sell, 200, "585.30", 1},
		}, entry.Alert},
		{"wash: different owners", "wash_trade", []step{
			{"a", "w1", entry.OrderExecute, buy, 200, "585.3", 0}, {"c", "w2", entry.OrderExecute, sell, 200, "585.3", 1},
		}, entry.Pass},
		{"wash: different price", "wash_trade", []step{
			{"a", "w1", entry.OrderExecute, buy, 200, "585.3", 0}, {"b", "w2", entry.OrderExecute, sell, 200, "585.31", 1},
		}, entry.Pass},
		{"front running: proprietary order after a large client order", "front_running", []step{
			{"client", "big", entry.OrderNew, buy, 6000, "585", 0}, {"prop", "p1", entry.OrderNew, buy, 500, "585", 5000},
		}, entry.Alert},
		{"front running: employee order before a large client order", "front_running", []step{
			{"emp", "e1", entry.OrderNew, sell, 500, "585", 0}, {"client", "big", entry.OrderNew, sell, 6000, "585", 5000},
		}, entry.Alert},
		{"front running: other side", "front_running", []step{
			{"client", "big", entry.OrderNew, buy, 6000, "585", 0}, {"prop", "p1", entry.OrderNew, sell, 500, "585", 5000},
		}, entry.Pass},
		{"front running: client order already filled", "front_running", []step{
			{"client", "big", entry.OrderNew, buy, 6000, "585", 0}, {"client", "big", entry.OrderExecute, buy, 6000, "585", 10},
			{"prop", "p1", entry.OrderNew, buy, 500, "585", 5000},
		}, entry.Pass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := surveillance(t, owners)
			var d entry.Decision
			for _, s := range tt.steps {
				o, at := s.order("AAPL"), t0.Add(time.Duration(s.ms)*time.Millisecond)
				d = commitOrder(m, o, at)
			}
			c, ok := checkOf(d, tt.rule)
			if !ok || c.Result != tt.want {
				t.Fatalf("%s: got %+v, want %s", tt.rule, c, tt.want)
			}
			if tt.want == entry.Alert && d.Outcome != entry.Review {
				t.Errorf("outcome: got %s, want review", d.Outcome)
			}
		})
	}
}

// TestRateRulesAlertOncePerWindow checks that a burst alerts once, not on
// every message past the limit.
func TestRateRulesAlertOncePerWindow(t *testing.T) {
	m := surveillance(t, func(c *Config) { c.Orders.QuoteStuffing.Max = 3 })
	alerts := 0
	for i := range 20 {
		o := step{"a", "q", entry.OrderNew, entry.Buy, 1, "585", int64(i)}.order("AAPL")
		o.OrderID = o.ID
		d := commitOrder(m, o, t0.Add(time.Duration(i)*10*time.Millisecond))
		if c, _ := checkOf(d, "quote_stuffing"); c.Result == entry.Alert {
			alerts++
		}
	}
	if alerts != 1 {
		t.Errorf("alerts in one burst of 20 messages: got %d, want 1", alerts)
	}
}

func TestMarkingClose(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2025, 6, 2, 0, 0, 0, 0, ny)
	tests := []struct {
		name  string
		at    time.Time
		side  entry.Side
		price string
		qty   int64
		want  entry.CheckResult
	}{
		{"aggressive buy 5 minutes before", day.Add(15*time.Hour + 55*time.Minute), entry.Buy, "590", 2000, entry.Alert},
		{"aggressive sell 5 minutes before", day.Add(15*time.Hour + 55*time.Minute), entry.Sell, "580", 2000, entry.Alert},
		{"market order 1 minute before", day.Add(15*time.Hour + 59*time.Minute), entry.Buy, "0", 2000, entry.Alert},
		{"passive buy", day.Add(15*time.Hour + 55*time.Minute), entry.Buy, "584", 2000, entry.Pass},
		{"small order", day.Add(15*time.Hour + 55*time.Minute), entry.Buy, "590", 10, entry.Pass},
		{"an hour before", day.Add(15 * time.Hour), entry.Buy, "590", 2000, entry.Pass},
		{"after the close", day.Add(16*time.Hour + time.Minute), entry.Buy, "590", 2000, entry.Pass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := surveillance(t, nil)
			d := m.DecideOrder(order("o", entry.OrderNew, "AAPL", tt.side, tt.qty, tt.price), tt.at)
			if c, _ := checkOf(d, "marking_close"); c.Result != tt.want {
				t.Errorf("got %+v, want %s", c, tt.want)
			}
		})
	}
}

func TestInsiderDealing(t *testing.T) {
	dir := dataDir(t, "sec_form4")
	m := surveillance(t, func(c *Config) {
		c.Orders.Insider.Form4Dir = dir
		c.Orders.Insider.Events = []CalendarEvent{{Symbol: "SNOW", Date: "2022-12-20"}}
		c.Traders = map[string]TraderConfig{
			"cfo": {Insider: "1402349"}, "byname": {Insider: "scarpelli  michael"}, "other": {Insider: "0002064133"},
		}
	})
	tests := []struct {
		trader string
		at     time.Time
		want   entry.CheckResult
	}{
		{"cfo", time.Date(2022, 12, 13, 15, 0, 0, 0, time.UTC), entry.Alert},
		{"byname", time.Date(2022, 12, 19, 15, 0, 0, 0, time.UTC), entry.Alert},
		{"cfo", time.Date(2022, 10, 1, 15, 0, 0, 0, time.UTC), entry.Pass},  // more than 30 days ahead
		{"cfo", time.Date(2022, 12, 21, 15, 0, 0, 0, time.UTC), entry.Pass}, // after the event
		{"other", time.Date(2022, 12, 13, 15, 0, 0, 0, time.UTC), entry.Pass},
		{"t-1", time.Date(2022, 12, 13, 15, 0, 0, 0, time.UTC), entry.Pass},
	}
	for _, tt := range tests {
		o := order("o", entry.OrderNew, "SNOW", entry.Sell, 100, "150")
		o.Trader = tt.trader
		d := m.DecideOrder(o, tt.at)
		if c, _ := checkOf(d, "insider_dealing"); c.Result != tt.want {
			t.Errorf("%s at %s: got %+v, want %s", tt.trader, tt.at.Format(time.DateOnly), c, tt.want)
		}
	}
}

func TestParseForm4Insiders(t *testing.T) {
	dir := dataDir(t, "sec_form4")
	b, err := os.ReadFile(filepath.Join(dir, "form4.snow.xml"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseForm4Insiders(b)
	if err != nil {
		t.Fatal(err)
	}
	want := Insider{CIK: "0001402349", Name: "Scarpelli Michael", Symbol: "SNOW"}
	if len(got) != 1 || got[0] != want {
		t.Errorf("got %+v, want [%+v]", got, want)
	}
	bad := []struct{ doc, want string }{
		{form4Doc("SNOW", ""), "reporting owners"},
		{form4Doc("SNOW", "<reportingOwner><reportingOwnerId></reportingOwnerId></reportingOwner>"), "without CIK or name"},
		{form4Doc("", "<reportingOwner><reportingOwnerId><rptOwnerCik>1</rptOwnerCik></reportingOwnerId></reportingOwner>"), "issuerTradingSymbol"},
	}
	for _, tt := range bad {
		if _, err := ParseForm4Insiders([]byte(tt.doc)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("got %v, want an error containing %q", err, tt.want)
		}
	}
}

func form4Doc(symbol, owners string) string {
	return "<ownershipDocument><documentType>4</documentType><issuer><issuerCik>1</issuerCik>" +
		"<issuerName>X</issuerName><issuerTradingSymbol>" + symbol + "</issuerTradingSymbol></issuer>" +
		owners + "</ownershipDocument>"
}

func FuzzParseForm4Insiders(f *testing.F) {
	f.Add([]byte(form4Doc("SNOW", "<reportingOwner><reportingOwnerId><rptOwnerCik>1</rptOwnerCik></reportingOwnerId></reportingOwner>")))
	f.Add([]byte(form4Doc("SNOW", "")))
	f.Add([]byte("<ownershipDocument>"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		ins, err := ParseForm4Insiders(data)
		if err == nil && (len(ins) == 0 || len(ins) > maxReportingOwners) {
			t.Fatalf("accepted %d insiders", len(ins))
		}
	})
}

func TestAbusePackValidation(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"spoofing window", func(c *Config) { c.Orders.Spoofing.Window = Duration{} }, "orders.spoofing: window"},
		{"layering levels", func(c *Config) { c.Orders.Layering.Levels = 1 }, "orders.layering: levels"},
		{"cancel ratio above 1", func(c *Config) { c.Orders.CancelRatio.MaxCancel = amt("1.5") }, "orders.cancel_ratio: max_cancel_ratio"},
		{"close time", func(c *Config) { c.Orders.MarkingClose.Close = "4pm" }, "orders.marking_close: close"},
		{"zone", func(c *Config) { c.Orders.MarkingClose.Zone = "Mars/Olympus" }, "orders.marking_close: zone"},
		{"event date", func(c *Config) {
			c.Orders.Insider.Events = []CalendarEvent{{Symbol: "SNOW", Date: "20/12/2022"}}
		}, "orders.insider_dealing: events[0].date"},
		{"category", func(c *Config) { c.Traders = map[string]TraderConfig{"x": {Category: "boss"}} }, "traders.x.category"},
		{"repeat count", func(c *Config) { c.Payments.RepeatPayee.Count = 1 }, "payments.repeat_payee"},
		{"split tolerance", func(c *Config) { c.Payments.SplitAmount.Tolerance = amt("1") }, "payments.split_amount: tolerance"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := SurveillanceConfig()
			tt.edit(&c)
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestRepeatAndSplitPayments(t *testing.T) {
	tests := []struct {
		name    string
		history []string // earlier amounts from "a" to "b", one an hour
		amount  string
		rule    string
		want    entry.CheckResult
	}{
		{"second payment to the payee in a day", []string{"300"}, "300", "repeat_payee", entry.Alert},
		{"first payment", nil, "300", "repeat_payee", entry.Pass},
		{"far below the regular amount", []string{"300", "300", "300"}, "20", "split_amount", entry.Alert},
		{"at the regular amount", []string{"300", "300", "300"}, "295", "split_amount", entry.Pass},
		{"no regular amount", []string{"100", "300", "900", "2700"}, "20", "split_amount", entry.Pass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := surveillance(t, nil)
			for i, a := range tt.history {
				to := "b"
				if tt.rule == "split_amount" {
					to = "c" + string(rune('0'+i))
				}
				commitPayment(m, payment("h"+string(rune('0'+i)), "a", to, a, "0", "transfer"), t0.Add(time.Duration(i)*time.Hour))
			}
			d := m.DecidePayment(payment("p", "a", "b", tt.amount, "0", "transfer"), t0.Add(6*time.Hour))
			if c, _ := checkOf(d, tt.rule); c.Result != tt.want {
				t.Errorf("got %+v, want %s", c, tt.want)
			}
		})
	}
}
