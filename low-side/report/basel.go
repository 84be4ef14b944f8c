package report

import (
	"maps"
	"slices"
	"strconv"

	"github.com/shopspring/decimal"

	"bastion/shared/entry"
)

// Basel III thresholds, in percent of Tier 1 capital.
var (
	// largePercent is the large exposure definition, LEX 20.3 (>= 10 %).
	largePercent = decimal.NewFromInt(10)
	// limitPercent is the large exposure limit, LEX 20.1 (<= 25 %).
	limitPercent = decimal.NewFromInt(25)
	// leverageMinimum is the leverage ratio minimum, LEV 10.1 (3 %).
	leverageMinimum = decimal.NewFromInt(3)
	hundred         = decimal.NewFromInt(100)
)

// Exposure statuses.
const (
	StatusLarge  = "large"  // at least 10 % of Tier 1
	StatusBreach = "breach" // over 25 % of Tier 1
)

// Basel is the Basel III large exposures (LEX) and leverage ratio (LEV)
// report at the end of one day. Exposures come from the ledger:
//
//   - to an issuer, the net long position in its symbol from every
//     execution up to the day's end, marked at the last execution price
//     (LEX 30.18: long and short positions in one issue are netted; a net
//     short position is no exposure to the issuer);
//   - to a payee, the day's payments that took effect, sent to that
//     account commitment, as unsettled placements (converted with the
//     configured rates; a payment in a currency without a rate is listed
//     as excluded).
//
// Each exposure is set against Tier 1 capital: at least 10 % is a large
// exposure, over 25 % a breach of the limit. The leverage ratio is Tier 1
// divided by the exposure measure: the sum of the exposures above plus the
// configured other exposure. Amounts are decimals in major units of the
// reporting currency with two places; percentages have two places.
type Basel struct {
	Coverage  Coverage       `json:"coverage"`
	Currency  string         `json:"currency"`
	Tier1     string         `json:"tier1_capital"`
	AsOf      string         `json:"capital_as_of"`
	Limit     string         `json:"limit_amount"`    // 25 % of Tier 1
	Threshold string         `json:"large_threshold"` // 10 % of Tier 1
	Exposures []Exposure     `json:"exposures"`       // largest first, ties by counterparty
	Large     int            `json:"large_exposures"` // status large or breach
	Breaches  int            `json:"limit_breaches"`  // status breach
	Leverage  Leverage       `json:"leverage"`
	Positions []Position     `json:"positions"`
	Excluded  []ExcludedItem `json:"excluded"`
}

// Exposure is the exposure to one counterparty.
type Exposure struct {
	Counterparty string `json:"counterparty"` // "issuer:SYMBOL" or "payee:COMMITMENT"
	Amount       string `json:"amount"`
	PercentTier1 string `json:"percent_of_tier1"`
	Status       string `json:"status"` // "", large or breach
	Basis        string `json:"basis"`
	amount       decimal.Decimal
}

// Leverage is the leverage ratio and its exposure measure.
type Leverage struct {
	Derived  string `json:"ledger_exposure"`
	Other    string `json:"other_exposure"`
	Total    string `json:"exposure_measure"`
	Ratio    string `json:"ratio_percent"` // Tier 1 / exposure measure × 100; "" when the measure is zero
	Minimum  string `json:"minimum_percent"`
	MeetsMin bool   `json:"meets_minimum"`
}

// ExcludedItem is a ledger entry left out of the exposures, and why.
type ExcludedItem struct {
	Index  uint64 `json:"ledger_index"`
	Reason string `json:"reason"`
}

// BuildBasel returns the Basel III report of day against capital c.
func BuildBasel(day *Day, c *Capital) *Basel {
	b := &Basel{Coverage: day.Coverage, Currency: c.Currency, Tier1: money(c.Tier1), AsOf: c.AsOf,
		Limit: money(c.Tier1.Mul(limitPercent).Div(hundred)), Threshold: money(c.Tier1.Mul(largePercent).Div(hundred)),
		Positions: day.Positions.List(), Excluded: []ExcludedItem{}}
	amounts := map[string]decimal.Decimal{}
	basis := map[string]string{}
	for _, p := range b.Positions {
		if p.Quantity > 0 {
			k := "issuer:" + p.Symbol
			amounts[k] = p.Price.Mul(decimal.NewFromInt(p.Quantity))
			basis[k] = "net long " + strconv.FormatInt(p.Quantity, 10) + " @ " + p.Price.String()
		}
	}
	b.addPayments(day, c, amounts, basis)
	b.classify(c, amounts, basis)
	b.leverage(c)
	return b
}

// addPayments adds the day's effective payments to their payees.
func (b *Basel) addPayments(day *Day, c *Capital, amounts map[string]decimal.Decimal, basis map[string]string) {
	n := map[string]int{}
	for _, e := range day.Entries {
		var p entry.Payment
		if e.Env.Type != entry.TypePayment || decodeBody(e.Env, &p) != nil {
			continue
		}
		if d := e.Env.Decision; d != nil && d.Outcome == entry.Reject {
			continue
		}
		rate, ok := c.rate(p.Currency)
		if !ok {
			b.Excluded = append(b.Excluded, ExcludedItem{Index: e.Index, Reason: "no rate for " + p.Currency})
			continue
		}
		k := "payee:" + p.To
		amounts[k] = amounts[k].Add(p.Amount.Mul(rate))
		n[k]++
		basis[k] = strconv.Itoa(n[k]) + " payments on " + day.Date
	}
}

// classify sets each exposure against Tier 1 and sorts them.
func (b *Basel) classify(c *Capital, amounts map[string]decimal.Decimal, basis map[string]string) {
	b.Exposures = []Exposure{}
	for _, k := range slices.Sorted(maps.Keys(amounts)) {
		a := amounts[k]
		e := Exposure{Counterparty: k, Amount: money(a), Basis: basis[k], amount: a,
			PercentTier1: percent(a, c.Tier1)}
		scaled := a.Mul(hundred)
		switch {
		case scaled.Cmp(c.Tier1.Mul(limitPercent)) > 0:
			e.Status = StatusBreach
			b.Breaches++
			b.Large++
		case scaled.Cmp(c.Tier1.Mul(largePercent)) >= 0:
			e.Status = StatusLarge
			b.Large++
		}
		b.Exposures = append(b.Exposures, e)
	}
	slices.SortStableFunc(b.Exposures, func(x, y Exposure) int { return y.amount.Cmp(x.amount) })
}

// leverage computes the leverage ratio, LEV 10.1 and LEV 20.
func (b *Basel) leverage(c *Capital) {
	derived := decimal.Zero
	for _, e := range b.Exposures {
		derived = derived.Add(e.amount)
	}
	total := derived.Add(c.OtherExposure)
	b.Leverage = Leverage{Derived: money(derived), Other: money(c.OtherExposure), Total: money(total),
		Minimum: leverageMinimum.StringFixed(2)}
	if total.IsPositive() {
		b.Leverage.Ratio = percent(c.Tier1, total)
		b.Leverage.MeetsMin = c.Tier1.Mul(hundred).Cmp(total.Mul(leverageMinimum)) >= 0
	}
}

// money formats an amount with two decimal places, half away from zero.
func money(d decimal.Decimal) string { return d.StringFixed(2) }

// percent returns a / b × 100 with two decimal places.
func percent(a, b decimal.Decimal) string {
	return a.Mul(hundred).DivRound(b, 8).StringFixed(2)
}

// Document returns the report as facts and tables for CSV and PDF.
func (b *Basel) Document() Document {
	d := Document{Title: "Basel III large exposures and leverage ratio", Facts: coverageFacts(b.Coverage)}
	l := b.Leverage
	d.Facts = append(d.Facts, Fact{"currency", b.Currency}, Fact{"tier1_capital", b.Tier1},
		Fact{"capital_as_of", b.AsOf}, Fact{"limit_amount_25pct", b.Limit},
		Fact{"large_threshold_10pct", b.Threshold}, Fact{"large_exposures", strconv.Itoa(b.Large)},
		Fact{"limit_breaches", strconv.Itoa(b.Breaches)}, Fact{"ledger_exposure", l.Derived},
		Fact{"other_exposure", l.Other}, Fact{"exposure_measure", l.Total},
		Fact{"leverage_ratio_percent", l.Ratio}, Fact{"leverage_minimum_percent", l.Minimum},
		Fact{"leverage_meets_minimum", strconv.FormatBool(l.MeetsMin)})
	ex := Table{Name: "exposure", Title: "Exposures by counterparty",
		Columns: []string{"counterparty", "amount", "% of tier 1", "status", "basis"}}
	for _, e := range b.Exposures {
		ex.Rows = append(ex.Rows, []string{e.Counterparty, e.Amount, e.PercentTier1, e.Status, e.Basis})
	}
	pos := Table{Name: "position", Title: "Positions at the end of the day",
		Columns: []string{"symbol", "qty", "last price", "executions"}}
	for _, p := range b.Positions {
		pos.Rows = append(pos.Rows, []string{p.Symbol, strconv.FormatInt(p.Quantity, 10), p.Price.String(),
			strconv.Itoa(p.Trades)})
	}
	exc := Table{Name: "excluded", Title: "Entries excluded", Columns: []string{"ledger", "reason"}}
	for _, e := range b.Excluded {
		exc.Rows = append(exc.Rows, []string{u64(e.Index), e.Reason})
	}
	d.Tables = []Table{ex, pos, exc}
	return d
}
