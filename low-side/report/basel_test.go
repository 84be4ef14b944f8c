package report_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
	"bastion/shared/entry"
)

// baselDay is Day3 with these effects (hand-computed below):
//
//	AAA buy 100 @ 10.00, sell 30 @ 12.50   net long 70 @ 12.50 = 875.00
//	BBB sell 50 @ 20.00                     net short: no exposure
//	CCC buy 10 @ 300.00 rejected            skipped
//	payee X: 100.00 USD + 50.00 EUR × 1.20  = 160.00
//	payee Y: 1000.00 GBP (no rate)          excluded; 500.00 USD rejected
//	payee Z: 1100.00 USD                    = 1100.00
//	payee W: 1000.00 USD                    = 1000.00
func baselDay(t *testing.T) *report.Day {
	at := func(m int) time.Time { return reporttest.At(Day3, 11, m) }
	return controlsDay(t,
		reporttest.Execution("x-0", "AAA", entry.Buy, 100, "10.00", at(0), nil),
		reporttest.Execution("x-1", "AAA", entry.Sell, 30, "12.50", at(1), reporttest.Accept()),
		reporttest.Execution("x-2", "BBB", entry.Sell, 50, "20.00", at(2), nil),
		reporttest.Execution("x-3", "CCC", entry.Buy, 10, "300.00", at(3), reporttest.Reject(entry.ReasonRestrictedList)),
		reporttest.PaymentTo("p-4", "100.00", "USD", "X", at(4), reporttest.Accept()),
		reporttest.PaymentTo("p-5", "50.00", "EUR", "X", at(5), reporttest.Review(entry.ReasonNewCounterparty)),
		reporttest.PaymentTo("p-6", "1000.00", "GBP", "Y", at(6), nil),
		reporttest.PaymentTo("p-7", "500.00", "USD", "Y", at(7), reporttest.Reject(entry.ReasonVelocity)),
		reporttest.PaymentTo("p-8", "1100.00", "USD", "Z", at(8), nil),
		reporttest.PaymentTo("p-9", "1000.00", "USD", "W", at(9), nil),
	)
}

func TestBaselExposures(t *testing.T) {
	b := report.BuildBasel(baselDay(t), reporttest.Capital("4000.00", "2000.00"))
	type row struct{ Counterparty, Amount, Percent, Status string }
	var got []row
	for _, e := range b.Exposures {
		got = append(got, row{e.Counterparty, e.Amount, e.PercentTier1, e.Status})
	}
	want := []row{
		{"payee:" + reporttest.Payee("Z"), "1100.00", "27.50", report.StatusBreach}, // over 25 %
		{"payee:" + reporttest.Payee("W"), "1000.00", "25.00", report.StatusLarge},  // exactly 25 %: at the limit
		{"issuer:AAA", "875.00", "21.88", report.StatusLarge},                       // 21.875 %
		{"payee:" + reporttest.Payee("X"), "160.00", "4.00", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("exposures (-want +got):\n%s", diff)
	}
	if b.Large != 3 || b.Breaches != 1 || b.Limit != "1000.00" || b.Threshold != "400.00" {
		t.Errorf("large %d breaches %d limit %s threshold %s, want 3, 1, 1000.00, 400.00",
			b.Large, b.Breaches, b.Limit, b.Threshold)
	}
	// 875 + 160 + 1100 + 1000 = 3135; + 2000 = 5135; 4000 / 5135 = 77.8968 %.
	wantLev := report.Leverage{Derived: "3135.00", Other: "2000.00", Total: "5135.00", Ratio: "77.90",
		Minimum: "3.00", MeetsMin: true}
	if diff := cmp.Diff(wantLev, b.Leverage); diff != "" {
		t.Errorf("leverage (-want +got):\n%s", diff)
	}
	if len(b.Excluded) != 1 || b.Excluded[0].Index != 6 || !strings.Contains(b.Excluded[0].Reason, "GBP") {
		t.Errorf("excluded = %+v, want ledger index 6 (GBP, no rate)", b.Excluded)
	}
	wantPos := map[string]int64{"AAA": 70, "BBB": -50}
	for _, p := range b.Positions {
		if wantPos[p.Symbol] != p.Quantity {
			t.Errorf("position %s = %d, want %d", p.Symbol, p.Quantity, wantPos[p.Symbol])
		}
	}
}

func TestBaselThresholds(t *testing.T) {
	tests := []struct {
		name, tier1, other string
		large, breaches    int
		ratio              string
		meets              bool
	}{
		// 1100/4400 = 25 % exactly: large, no breach; 160/4400 = 3.64 % is not large.
		{"limit exactly", "4400.00", "0", 3, 0, "140.35", true},
		// 1100/4399.99 = 25.0000006 %: a breach.
		{"just over", "4399.99", "0", 3, 1, "140.35", true},
		// 4000 / (3135 + 200000) = 1.97 %: below the 3 % minimum.
		{"thin capital", "4000.00", "200000.00", 3, 1, "1.97", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := report.BuildBasel(baselDay(t), reporttest.Capital(tt.tier1, tt.other))
			if b.Large != tt.large || b.Breaches != tt.breaches || b.Leverage.Ratio != tt.ratio ||
				b.Leverage.MeetsMin != tt.meets {
				t.Errorf("large %d breaches %d ratio %s meets %v, want %d, %d, %s, %v", b.Large, b.Breaches,
					b.Leverage.Ratio, b.Leverage.MeetsMin, tt.large, tt.breaches, tt.ratio, tt.meets)
			}
		})
	}
}

func TestBaselCumulativePositions(t *testing.T) {
	// Day1 executes 40 AAPL @ 585.33 (23413.20), Day2 40 more (46826.40).
	for _, tt := range []struct{ date, amount string }{{reporttest.Day1, "23413.20"}, {reporttest.Day2, "46826.40"}} {
		day := collect(t, tt.date)
		b := report.BuildBasel(day, reporttest.Capital("1000000.00", "0"))
		if len(b.Exposures) == 0 || b.Exposures[len(b.Exposures)-1].Counterparty != "issuer:AAPL" &&
			b.Exposures[0].Counterparty != "issuer:AAPL" {
			t.Fatalf("%s exposures = %+v, want issuer:AAPL", tt.date, b.Exposures)
		}
		for _, e := range b.Exposures {
			if e.Counterparty == "issuer:AAPL" && e.Amount != tt.amount {
				t.Errorf("%s issuer:AAPL = %s, want %s", tt.date, e.Amount, tt.amount)
			}
		}
	}
}

func TestBuildBaselNeedsCapital(t *testing.T) {
	if _, err := report.Build(report.KindBasel, baselDay(t), report.Options{}); err != report.ErrNoCapital {
		t.Errorf("Build without capital = %v, want ErrNoCapital", err)
	}
}
