package monitor

import (
	"fmt"
	"strconv"

	"github.com/shopspring/decimal"
)

// texts holds the limit strings recorded in checks, rendered once from the
// rule pack so that deciding formats only what it observes.
type texts struct {
	duplicate       string
	collar          string
	drain           string
	velocity        string
	velocityIn      string
	history         string
	newCounterparty string
	structuring     string
	structuringLow  decimal.Decimal
	fanOut          string
	fanOutIn        string
	fanIn           string
	fanInIn         string
	cycle           string
	repeat          string
	repeatIn        string
	split           string
	splitTolBP      int64 // split_amount tolerance in basis points
	splitShareBP    int64 // split_amount share in basis points
	market          marketTexts
	limits          limitTexts
}

func newTexts(c *Config) texts {
	o, p := &c.Orders, &c.Payments
	s := &p.Structuring
	low := s.Threshold.Mul(decimal.NewFromInt(1).Sub(s.Band.Decimal))
	return texts{
		duplicate:       "none within " + o.Duplicate.Window.String(),
		collar:          o.Collar.Percent.String() + "%",
		drain:           "below " + p.Drain.Ratio.String() + " of balance",
		velocity:        strconv.Itoa(p.Velocity.Max),
		velocityIn:      " in " + p.Velocity.Window.String(),
		history:         fmt.Sprintf("at least %d payments, then %s x mean", p.History.MinCount, p.History.Factor),
		newCounterparty: "below " + p.NewCounterparty.Amount.String() + " to a new counterparty",
		structuring:     fmt.Sprintf("fewer than %d in [%s, %s) within %s", s.Count, low, s.Threshold, s.Window),
		structuringLow:  low,
		fanOut:          strconv.Itoa(p.FanOut.Max),
		fanOutIn:        " payees in " + p.FanOut.Window.String(),
		fanIn:           strconv.Itoa(p.FanIn.Max),
		fanInIn:         " payers in " + p.FanIn.Window.String(),
		cycle:           fmt.Sprintf("no return within %d payments in %s", p.Cycle.MaxDepth, p.Cycle.Window),
		repeat:          fmt.Sprintf("fewer than %d to one payee within %s", p.RepeatPayee.Count, p.RepeatPayee.Window),
		repeatIn:        " to this payee in " + p.RepeatPayee.Window.String(),
		split: fmt.Sprintf("not below regular amount x (1 - %s), regular when %s of at least %d payments alike",
			p.SplitAmount.Tolerance, p.SplitAmount.Share, p.SplitAmount.MinCount),
		splitTolBP:   basisPoints(p.SplitAmount.Tolerance.Decimal),
		splitShareBP: basisPoints(p.SplitAmount.Share.Decimal),
		market:       newMarketTexts(o),
		limits:       newLimitTexts(c),
	}
}

// basisPoints returns a ratio in basis points (1 = 10,000), truncated.
func basisPoints(d decimal.Decimal) int64 {
	return d.Shift(4).IntPart()
}
