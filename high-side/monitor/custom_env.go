package monitor

import (
	"fmt"
	"sync"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/checker"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/interpreter"
)

// celVar is one variable of a custom rule's environment: its qualified
// name, CEL type, meaning and how it is read at decision time. Reading is
// lazy: a variable the expression never names costs nothing.
type celVar[C any] struct {
	name string
	typ  *cel.Type
	doc  string
	get  func(m *Monitor, c C) any
}

// orderVars is the documented environment of rules with applies_to =
// "order". Figures are the committed state before this order; money is a
// decimal in the instrument currency.
var orderVars = []celVar[*orderCtx]{
	{"order.id", cel.StringType, "idempotency key", func(_ *Monitor, c *orderCtx) any { return c.o.ID }},
	{"order.order_id", cel.StringType, "the firm's order id", func(_ *Monitor, c *orderCtx) any { return c.o.OrderID }},
	{"order.event", cel.StringType, "new, modify, cancel, route or execute", func(_ *Monitor, c *orderCtx) any { return string(c.o.Event) }},
	{"order.symbol", cel.StringType, "instrument symbol", func(_ *Monitor, c *orderCtx) any { return c.o.Symbol }},
	{"order.side", cel.StringType, "buy, sell or short", func(_ *Monitor, c *orderCtx) any { return string(c.o.Side) }},
	{"order.qty", cel.IntType, "quantity in shares or contracts", func(_ *Monitor, c *orderCtx) any { return c.o.Quantity }},
	{"order.price", decimalType, "limit price; 0 for a market order", func(_ *Monitor, c *orderCtx) any { return celDecimal{c.o.Price} }},
	{"order.notional", decimalType, "qty times the price, else the reference price; an error when neither is known", orderNotional},
	{"order.trader", cel.StringType, "trader id", func(_ *Monitor, c *orderCtx) any { return c.o.Trader }},
	{"order.account", cel.StringType, "customer account (plain identifier)", func(_ *Monitor, c *orderCtx) any { return c.o.Account }},
	{"order.source", cel.StringType, "api, fix or replay", func(_ *Monitor, c *orderCtx) any { return c.o.Source }},
	{"trader.firm", cel.StringType, "the trader's firm (traders.X.firm); empty when none", func(_ *Monitor, c *orderCtx) any { return c.firm }},
	{"trader.category", cel.StringType, "client, proprietary or employee", traderCategory},
	{"account.open_notional", decimalType, "open notional of the order's account", func(m *Monitor, c *orderCtx) any { return celDecimal{m.st.exposure[c.o.Account]} }},
	{"firm.open_notional", decimalType, "open notional of the trader's firm", func(m *Monitor, c *orderCtx) any { return celDecimal{m.st.firmExp[c.firm]} }},
	{"limits.notional", decimalType, "single-order notional limit of the trader", limitNotional},
	{"limits.max_qty", cel.IntType, "single-order quantity limit of the trader", limitMaxQty},
	{"limits.credit", decimalType, "open-notional limit of the account", func(m *Monitor, c *orderCtx) any { return celDecimal{m.creditLimit(c.o.Account)} }},
	{"limits.capital", decimalType, "open-notional limit of the firm", func(m *Monitor, c *orderCtx) any { return celDecimal{m.capitalLimit(c.firm)} }},
	{"now", cel.TimestampType, "decision time (UTC)", func(_ *Monitor, c *orderCtx) any { return timestamp(c.now) }},
}

// paymentVars is the documented environment of rules with applies_to =
// "payment". History figures count the committed payments kept per
// account (state.history of them); windows end at the decision time.
var paymentVars = []celVar[*paymentCtx]{
	{"payment.id", cel.StringType, "idempotency key", func(_ *Monitor, c *paymentCtx) any { return c.p.ID }},
	{"payment.kind", cel.StringType, "transfer, payment, cash_out, cash_in, debit or wire", func(_ *Monitor, c *paymentCtx) any { return c.p.Kind }},
	{"payment.amount", decimalType, "amount in payment.currency", func(_ *Monitor, c *paymentCtx) any { return celDecimal{c.p.Amount} }},
	{"payment.currency", cel.StringType, "ISO 4217 code", func(_ *Monitor, c *paymentCtx) any { return c.p.Currency }},
	{"payment.from", cel.StringType, "payer account (plain identifier)", func(_ *Monitor, c *paymentCtx) any { return c.p.From }},
	{"payment.to", cel.StringType, "payee account (plain identifier)", func(_ *Monitor, c *paymentCtx) any { return c.p.To }},
	{"payment.from_balance", decimalType, "payer balance before the payment; 0 when unknown", func(_ *Monitor, c *paymentCtx) any { return celDecimal{c.p.FromBalance} }},
	{"payment.source", cel.StringType, "submitting system", func(_ *Monitor, c *paymentCtx) any { return c.p.Source }},
	{"payer.count", cel.IntType, "payments the payer made, as kept", func(_ *Monitor, c *paymentCtx) any { return c.out.count() }},
	{"payer.total", decimalType, "sum of those payments", func(_ *Monitor, c *paymentCtx) any { return celDecimal{c.out.sum} }},
	{"payer.mean_amount", decimalType, "their mean, to the cent; 0 when none", func(_ *Monitor, c *paymentCtx) any { return celDecimal{c.out.mean} }},
	{"payer.count_1h", cel.IntType, "payments by the payer in the last hour", windowCount(true, time.Hour)},
	{"payer.count_24h", cel.IntType, "payments by the payer in the last 24 hours", windowCount(true, 24*time.Hour)},
	{"payer.payees_24h", cel.IntType, "distinct payees in the last 24 hours, this one included", distinctPeers(true)},
	{"payer.knows_payee", cel.BoolType, "the payer paid this payee before, as kept", func(_ *Monitor, c *paymentCtx) any { return c.out.hasPeer(c.p.To) }},
	{"payee.count", cel.IntType, "payments the payee received, as kept", func(_ *Monitor, c *paymentCtx) any { return c.in.count() }},
	{"payee.mean_amount", decimalType, "their mean, to the cent; 0 when none", func(_ *Monitor, c *paymentCtx) any { return celDecimal{c.in.mean} }},
	{"payee.count_24h", cel.IntType, "payments to the payee in the last 24 hours", windowCount(false, 24*time.Hour)},
	{"payee.payers_24h", cel.IntType, "distinct payers in the last 24 hours, this one included", distinctPeers(false)},
	{"limits.new_counterparty", decimalType, "payments.new_counterparty.amount", func(m *Monitor, _ *paymentCtx) any { return celDecimal{m.cfg.Payments.NewCounterparty.Amount.Decimal} }},
	{"limits.structuring_threshold", decimalType, "payments.structuring.threshold", func(m *Monitor, _ *paymentCtx) any { return celDecimal{m.cfg.Payments.Structuring.Threshold.Decimal} }},
	{"now", cel.TimestampType, "decision time (UTC)", func(_ *Monitor, c *paymentCtx) any { return timestamp(c.now) }},
}

func orderNotional(_ *Monitor, c *orderCtx) any {
	if c.valueErr != nil {
		return types.WrapErr(c.valueErr)
	}
	return celDecimal{c.notional()}
}

func traderCategory(m *Monitor, c *orderCtx) any {
	if cat := m.cfg.Traders[c.o.Trader].Category; cat != "" {
		return cat
	}
	return CategoryClient
}

func limitNotional(m *Monitor, c *orderCtx) any {
	_, n, _ := m.traderLimits(c.o.Trader)
	return celDecimal{n}
}

func limitMaxQty(m *Monitor, c *orderCtx) any {
	_, _, q := m.traderLimits(c.o.Trader)
	return q
}

func timestamp(ns int64) any { return types.Timestamp{Time: time.Unix(0, ns).UTC()} }

// windowCount counts the payer's (out) or the payee's (in) payments within
// d before the decision.
func windowCount(out bool, d time.Duration) func(*Monitor, *paymentCtx) any {
	return func(_ *Monitor, c *paymentCtx) any {
		f := c.in
		if out {
			f = c.out
		}
		return f.countSince(c.now - int64(d))
	}
}

// distinctPeers counts the payer's distinct payees (out) or the payee's
// distinct payers (in) within 24 hours, this payment's peer included.
func distinctPeers(out bool) func(*Monitor, *paymentCtx) any {
	return func(_ *Monitor, c *paymentCtx) any {
		since := c.now - int64(24*time.Hour)
		if out {
			return c.out.distinctPeers(since, c.p.To)
		}
		return c.in.distinctPeers(since, c.p.From)
	}
}

// activation resolves the variables of one decision. It implements
// interpreter.Activation.
type activation[C any] struct {
	m     *Monitor
	c     C
	index map[string]func(*Monitor, C) any
}

// ResolveName reads the named variable.
func (a *activation[C]) ResolveName(name string) (any, bool) {
	get, ok := a.index[name]
	if !ok {
		return nil, false
	}
	return get(a.m, a.c), true
}

// Parent returns nil: there is no enclosing scope.
func (a *activation[C]) Parent() interpreter.Activation { return nil }

// varIndex maps each variable name to its reader.
func varIndex[C any](vars []celVar[C]) map[string]func(*Monitor, C) any {
	idx := make(map[string]func(*Monitor, C) any, len(vars))
	for _, v := range vars {
		idx[v.name] = v.get
	}
	return idx
}

var (
	orderIndex   = varIndex(orderVars)
	paymentIndex = varIndex(paymentVars)
)

// declarations returns the variable declarations of vars.
func declarations[C any](vars []celVar[C]) []cel.EnvOption {
	opts := make([]cel.EnvOption, 0, len(vars))
	for _, v := range vars {
		opts = append(opts, cel.Variable(v.name, v.typ))
	}
	return opts
}

// The two environments, built once.
var (
	envOnce          sync.Once
	orderEnv, payEnv *cel.Env
	envErr           error
)

// envFor returns the environment of rules that apply to what ("order" or
// "payment").
func envFor(what string) (*cel.Env, error) {
	envOnce.Do(func() {
		orderEnv, envErr = newEnv(declarations(orderVars))
		if envErr == nil {
			payEnv, envErr = newEnv(declarations(paymentVars))
		}
	})
	if envErr != nil {
		return nil, fmt.Errorf("failed to build rule environment: %w", envErr)
	}
	if what == "order" {
		return orderEnv, nil
	}
	return payEnv, nil
}

// newEnv is the standard CEL library, the decimal type and vars, with
// bounded parsing.
func newEnv(vars []cel.EnvOption) (*cel.Env, error) {
	opts := append(decimalOptions(), vars...)
	opts = append(opts, cel.ParserExpressionSizeLimit(MaxCustomExpr), cel.ParserRecursionLimit(32))
	return cel.NewEnv(opts...)
}

// sizeEstimator tells the cost estimator that every string the
// environment provides is at most 128 bytes (identifiers, symbols and
// codes are bounded by intake validation).
type sizeEstimator struct{}

// EstimateSize bounds the variables' strings.
func (sizeEstimator) EstimateSize(n checker.AstNode) *checker.SizeEstimate {
	if n.Type() != nil && n.Type().IsExactType(cel.StringType) {
		return &checker.SizeEstimate{Min: 0, Max: 128}
	}
	return nil
}

// EstimateCallCost leaves every call at its default cost.
func (sizeEstimator) EstimateCallCost(string, string, *checker.AstNode, []checker.AstNode) *checker.CallEstimate {
	return nil
}

// Variable documents one variable of a custom rule's environment.
type Variable struct {
	Name string // qualified name, as written in expressions
	Type string // CEL type: string, int, bool, decimal or google.protobuf.Timestamp
	Doc  string
}

// CustomVariables returns the environment of custom rules that apply to
// what ("order" or "payment"), in declaration order; nil for anything
// else.
func CustomVariables(what string) []Variable {
	switch what {
	case "order":
		return describe(orderVars)
	case "payment":
		return describe(paymentVars)
	}
	return nil
}

func describe[C any](vars []celVar[C]) []Variable {
	out := make([]Variable, len(vars))
	for i, v := range vars {
		out[i] = Variable{Name: v.name, Type: v.typ.String(), Doc: v.doc}
	}
	return out
}
