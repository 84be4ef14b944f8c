package monitor

import (
	"strconv"

	"github.com/shopspring/decimal"
)

// limitTexts holds the limits of the single-order and aggregate controls
// with the text each records, rendered once from the rule pack: the
// pack's defaults and the limits of every trader, account and firm that
// sets its own. Lookups follow Monitor.traderLimits, creditLimit and
// capitalLimit.
type limitTexts struct {
	maxQty    int64
	qtyText   string
	dNotional amountLimit // defaults
	dCredit   amountLimit
	dCapital  amountLimit
	traders   map[string]traderLimit
	accounts  map[string]amountLimit
	firms     map[string]amountLimit
}

// amountLimit is a limit and its text.
type amountLimit struct {
	value decimal.Decimal
	text  string
}

// traderLimit is a trader's single-order limits.
type traderLimit struct {
	maxQty   int64
	qtyText  string
	notional amountLimit
}

func newAmountLimit(d decimal.Decimal) amountLimit { return amountLimit{d, d.String()} }

func newLimitTexts(c *Config) limitTexts {
	o := &c.Orders
	l := limitTexts{
		maxQty: o.Size.MaxQty, qtyText: strconv.FormatInt(o.Size.MaxQty, 10),
		dNotional: newAmountLimit(o.Notional.Limit.Decimal),
		dCredit:   newAmountLimit(o.Credit.Limit.Decimal),
		dCapital:  newAmountLimit(o.Capital.Limit.Decimal),
		traders:   make(map[string]traderLimit, len(c.Traders)),
		accounts:  map[string]amountLimit{},
		firms:     map[string]amountLimit{},
	}
	for id, t := range c.Traders {
		tl := traderLimit{maxQty: l.maxQty, qtyText: l.qtyText, notional: l.dNotional}
		if t.Notional.IsPositive() {
			tl.notional = newAmountLimit(t.Notional.Decimal)
		}
		if t.MaxQty > 0 {
			tl.maxQty, tl.qtyText = t.MaxQty, strconv.FormatInt(t.MaxQty, 10)
		}
		l.traders[id] = tl
	}
	for id, a := range c.Accounts {
		if a.Credit.IsPositive() {
			l.accounts[id] = newAmountLimit(a.Credit.Decimal)
		}
	}
	for id, f := range c.Firms {
		if f.Capital.IsPositive() {
			l.firms[id] = newAmountLimit(f.Capital.Decimal)
		}
	}
	return l
}

// size returns a trader's single-order quantity limit and its text.
func (l *limitTexts) size(trader string) (int64, string) {
	if t, ok := l.traders[trader]; ok {
		return t.maxQty, t.qtyText
	}
	return l.maxQty, l.qtyText
}

// notional returns a trader's single-order notional limit and its text.
func (l *limitTexts) notional(trader string) (decimal.Decimal, string) {
	if t, ok := l.traders[trader]; ok {
		return t.notional.value, t.notional.text
	}
	return l.dNotional.value, l.dNotional.text
}

// credit returns an account's aggregate open-notional limit and its text.
func (l *limitTexts) credit(account string) (decimal.Decimal, string) {
	a, ok := l.accounts[account]
	if !ok {
		a = l.dCredit
	}
	return a.value, a.text
}

// capital returns a firm's aggregate open-notional limit and its text.
func (l *limitTexts) capital(firm string) (decimal.Decimal, string) {
	f, ok := l.firms[firm]
	if !ok {
		f = l.dCapital
	}
	return f.value, f.text
}
