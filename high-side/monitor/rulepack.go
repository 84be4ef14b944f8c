package monitor

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"bastion/shared/entry"

	"github.com/shopspring/decimal"
)

// Custom rule bounds.
const (
	maxCustomRules = 32
	maxCondDepth   = 4
	maxCondFanout  = 16
)

// RuleConfig is a custom rule: when its condition holds for an order or a
// payment (On), the rule fires with Action and Reason.
type RuleConfig struct {
	Name   string `toml:"name"`
	On     string `toml:"on"` // "order" or "payment"
	Action Action `toml:"action"`
	Reason string `toml:"reason"`
	When   Cond   `toml:"when"`
}

// Cond is a condition: either a comparison (Field Op Value, or Field in
// Values) or a group, All (and) or Any (or), of conditions. A group with no
// members is an error at load time (REPLAY M1).
type Cond struct {
	Field  string   `toml:"field"`
	Op     string   `toml:"op"` // eq, ne, lt, le, gt, ge, in
	Value  Scalar   `toml:"value"`
	Values []string `toml:"values"`
	All    []Cond   `toml:"all"`
	Any    []Cond   `toml:"any"`
}

// Scalar is a rule-pack value written as a string or a number; numeric
// fields parse it as a decimal.
type Scalar struct{ Text string }

// UnmarshalTOML keeps the value's text, unquoted.
func (s *Scalar) UnmarshalTOML(raw []byte) error {
	t, err := scalarText(raw)
	s.Text = t
	return err
}

// Fields a custom rule may test, by submission type. Numeric fields compare
// as decimals; the others compare as exact strings.
var (
	orderFields = map[string]bool{
		"symbol": false, "side": false, "event": false, "trader": false, "source": false,
		"qty": true, "price": true, "notional": true,
	}
	paymentFields = map[string]bool{
		"kind": false, "currency": false, "source": false,
		"amount": true, "from_balance": true,
	}
)

// fieldGetter reads one field of a submission, as text or as a decimal.
type fieldGetter interface {
	text(field string) string
	number(field string) (decimal.Decimal, error)
}

// customRule is a compiled RuleConfig.
type customRule struct {
	name   string
	action Action
	reason string
	expr   string // rendered condition, recorded as the check's limit
	cond   compiledCond
}

type compiledCond struct {
	field   string
	numeric bool
	op      string
	num     decimal.Decimal
	text    string
	set     []string
	all     []compiledCond
	any     []compiledCond
}

// validateRules compiles every custom rule once, returning the first error.
func validateRules(rules []RuleConfig) error {
	_, _, err := compileRules(rules)
	return err
}

// compileRules validates the custom rules and splits them by submission type.
func compileRules(rules []RuleConfig) (orders, payments []customRule, err error) {
	if len(rules) > maxCustomRules {
		return nil, nil, fmt.Errorf("rule: %d custom rules, at most %d", len(rules), maxCustomRules)
	}
	seen := map[string]bool{}
	for i, r := range rules {
		cr, err := compileRule(r, seen)
		if err != nil {
			return nil, nil, fmt.Errorf("rule[%d] %q: %w", i, r.Name, err)
		}
		if r.On == "order" {
			orders = append(orders, cr)
		} else {
			payments = append(payments, cr)
		}
	}
	return orders, payments, nil
}

func compileRule(r RuleConfig, seen map[string]bool) (customRule, error) {
	if !validRuleName(r.Name) || builtinRules[r.Name] || seen[r.Name] {
		return customRule{}, errors.New("name must be unique, 1 to 64 of a-z 0-9 - _, and not a built-in rule")
	}
	seen[r.Name] = true
	var fields map[string]bool
	switch r.On {
	case "order":
		fields = orderFields
	case "payment":
		fields = paymentFields
	default:
		return customRule{}, fmt.Errorf("on: %q, want order or payment", r.On)
	}
	if err := r.Action.validate(); err != nil {
		return customRule{}, err
	}
	if err := reasonFor(r.Reason); err != nil {
		return customRule{}, err
	}
	c, err := compileCond(r.When, fields, "when", 0)
	if err != nil {
		return customRule{}, err
	}
	return customRule{name: r.Name, action: r.Action, reason: r.Reason, expr: truncate(render(c), 256), cond: c}, nil
}

func compileCond(c Cond, fields map[string]bool, path string, depth int) (compiledCond, error) {
	if depth > maxCondDepth {
		return compiledCond{}, fmt.Errorf("%s: conditions nested deeper than %d", path, maxCondDepth)
	}
	group := len(c.All) > 0 || len(c.Any) > 0
	switch {
	case c.Field == "" && !group:
		return compiledCond{}, fmt.Errorf("%s: empty condition (a group needs at least one member)", path)
	case c.Field != "" && group, len(c.All) > 0 && len(c.Any) > 0:
		return compiledCond{}, fmt.Errorf("%s: want one of a comparison, an all group, an any group", path)
	case group:
		return compileGroup(c, fields, path, depth)
	}
	return compileLeaf(c, fields, path)
}

func compileGroup(c Cond, fields map[string]bool, path string, depth int) (compiledCond, error) {
	members, key := c.All, "all"
	if len(c.Any) > 0 {
		members, key = c.Any, "any"
	}
	if len(members) > maxCondFanout {
		return compiledCond{}, fmt.Errorf("%s.%s: %d members, at most %d", path, key, len(members), maxCondFanout)
	}
	out := make([]compiledCond, 0, len(members))
	for i, m := range members {
		cc, err := compileCond(m, fields, fmt.Sprintf("%s.%s[%d]", path, key, i), depth+1)
		if err != nil {
			return compiledCond{}, err
		}
		out = append(out, cc)
	}
	if key == "all" {
		return compiledCond{all: out}, nil
	}
	return compiledCond{any: out}, nil
}

func compileLeaf(c Cond, fields map[string]bool, path string) (compiledCond, error) {
	numeric, ok := fields[c.Field]
	if !ok {
		return compiledCond{}, fmt.Errorf("%s: unknown field %q", path, c.Field)
	}
	cc := compiledCond{field: c.Field, numeric: numeric, op: c.Op}
	switch {
	case c.Op == "in" && !numeric && len(c.Values) > 0:
		cc.set = slices.Clone(c.Values)
		return cc, nil
	case c.Op == "eq" || c.Op == "ne":
	case numeric && (c.Op == "lt" || c.Op == "le" || c.Op == "gt" || c.Op == "ge"):
	default:
		return compiledCond{}, fmt.Errorf("%s: operator %q not allowed on field %q", path, c.Op, c.Field)
	}
	if c.Value.Text == "" {
		return compiledCond{}, fmt.Errorf("%s: missing value", path)
	}
	cc.text = c.Value.Text
	if numeric {
		d, err := parseDecimal(c.Value.Text)
		if err != nil {
			return compiledCond{}, fmt.Errorf("%s: %v", path, err)
		}
		cc.num = d
	}
	return cc, nil
}

// eval reports whether the condition holds. A numeric field that cannot be
// read is an error; the rule is then recorded as errored.
func (c *compiledCond) eval(g fieldGetter) (bool, error) {
	switch {
	case c.all != nil:
		for i := range c.all {
			if ok, err := c.all[i].eval(g); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case c.any != nil:
		for i := range c.any {
			if ok, err := c.any[i].eval(g); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case c.set != nil:
		return slices.Contains(c.set, g.text(c.field)), nil
	case !c.numeric:
		return (g.text(c.field) == c.text) == (c.op == "eq"), nil
	}
	v, err := g.number(c.field)
	if err != nil {
		return false, err
	}
	return compare(v.Cmp(c.num), c.op), nil
}

func compare(cmp int, op string) bool {
	switch op {
	case "eq":
		return cmp == 0
	case "ne":
		return cmp != 0
	case "lt":
		return cmp < 0
	case "le":
		return cmp <= 0
	case "gt":
		return cmp > 0
	}
	return cmp >= 0
}

// render writes the condition in a compact infix form for the audit record.
func render(c compiledCond) string {
	join := func(cs []compiledCond, sep string) string {
		parts := make([]string, len(cs))
		for i, m := range cs {
			parts[i] = render(m)
		}
		return "(" + strings.Join(parts, sep) + ")"
	}
	switch {
	case c.all != nil:
		return join(c.all, " and ")
	case c.any != nil:
		return join(c.any, " or ")
	case c.set != nil:
		return c.field + " in [" + strings.Join(c.set, ",") + "]"
	}
	return c.field + " " + c.op + " " + c.text
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// validRuleName mirrors the rule-name syntax entry.Check accepts.
func validRuleName(s string) bool {
	c := entry.Check{Rule: s, Result: entry.Pass}
	d := entry.Decision{Outcome: entry.Accept, Checks: []entry.Check{c}}
	return d.Validate() == nil
}

// SwitchPack puts cfg in force from the next decision on, keeping the
// state built from committed entries (open orders, exposures, payment
// histories, market-abuse windows with the bounds they were built with),
// the kill switches and the frozen accounts; the traders, firms and
// accounts cfg halts or freezes are added to them. Call it when the entry
// that records the switch is committed, in ledger order with the Observe
// calls; Reset goes back to the pack New was given, so replaying the
// ledger switches again at the same entry.
//
// It returns the errors of New for an invalid pack or list, and then
// changes nothing.
func (m *Monitor) SwitchPack(cfg Config) error {
	n, err := New(cfg, m.log)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.base == nil {
		m.base = &Monitor{}
		m.base.adopt(m)
	}
	m.adopt(n)
	n.mu.Lock()
	defer n.mu.Unlock()
	for k := range n.halt {
		m.halt[k] = true
	}
	for a := range n.froze {
		m.froze[a] = true
	}
	m.log.Info("rule pack switched", slog.String("rule_pack", cfg.Version))
	return nil
}

// RulePackConfig returns the rule pack in force.
func (m *Monitor) RulePackConfig() Config {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.cfg
}

// restoreBase puts back the pack New was given. The caller holds m.mu.
func (m *Monitor) restoreBase() {
	if m.base != nil {
		m.adopt(m.base)
		m.base = nil
	}
}

// adopt copies every field derived from the rule pack from n: all but the
// logger, the lock, the state, the kill switches and the frozen accounts.
// The caller holds m.mu.
func (m *Monitor) adopt(n *Monitor) {
	m.cfg, m.text, m.session, m.insiders = n.cfg, n.text, n.session, n.insiders
	m.custOrd, m.custPay, m.custom = n.custOrd, n.custPay, n.custom
	m.restrict, m.watch, m.kinds = n.restrict, n.watch, n.kinds
	m.ordActs, m.payActs, m.ordCap, m.payCap = n.ordActs, n.payActs, n.ordCap, n.payCap
}
