package monitor

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"bastion/shared/entry"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"
)

// CustomRule is a compliance rule written as a CEL expression (Common
// Expression Language, google/cel-go), declared as [[custom]] in a rule
// pack. Expr must be a bool over the typed environment of its AppliesTo
// (see CustomVariables); when it is true the rule fires with Action and
// Reason, a code from the closed list of entry reason codes.
//
// Every expression is parsed and type-checked when the pack is loaded: a
// syntax or type error refuses the pack, naming the rule's ID. Evaluation
// is bounded by CustomCostLimit; an expression that fails at run time (an
// unvalued notional, a cost over the limit, a bad literal) is recorded as
// errored with RULE_ERROR and holds the submission for review, and the
// other rules still decide.
type CustomRule struct {
	ID          string       `toml:"id"`
	Description string       `toml:"description"`
	AppliesTo   string       `toml:"applies_to"` // "order" or "payment"
	Expr        string       `toml:"expr"`
	Action      CustomAction `toml:"action"`
	Reason      string       `toml:"reason"`
}

// CustomAction is what a custom rule does when its expression holds.
type CustomAction string

// Custom rule actions. Review holds the submission for a human, Reject
// refuses it; both record the check as an alert or a failure. Alert
// records the check as an alert (the monitor raises it when the entry is
// committed) and leaves the outcome alone.
const (
	CustomReview CustomAction = "review"
	CustomReject CustomAction = "reject"
	CustomAlert  CustomAction = "alert"
)

// Bounds on custom rules.
const (
	// MaxCustomExpr is the longest expression, in bytes.
	MaxCustomExpr = 4096
	// CustomCostLimit is the most CEL cost units one evaluation may spend
	// (about one per operation); over it the rule errors. An expression
	// whose estimated worst case is over it is refused at load.
	CustomCostLimit = 10_000
	// maxDescription bounds a rule's description, in bytes.
	maxDescription = 512
)

// celRule is one compiled custom rule.
type celRule struct {
	id     string
	action CustomAction
	reason string
	expr   string // clipped, recorded as the check's limit
	prg    cel.Program
}

// customSet is the compiled custom rules of one rule pack, split by what
// they apply to.
type customSet struct {
	orders   []celRule
	payments []celRule
}

// compileCustom compiles the pack's custom rules, or returns them from
// the cache of compiled packs (keyed by pack version and the rules'
// digest). names are the names already taken by other rules.
func compileCustom(version string, rules []CustomRule, names map[string]bool) (*customSet, error) {
	if len(rules) == 0 {
		return &customSet{}, nil
	}
	key, err := cacheKey(version, rules)
	if err != nil {
		return nil, err
	}
	if s, ok := programs.get(key); ok {
		return s, nil
	}
	s := &customSet{}
	seen := map[string]bool{}
	for i := range rules {
		r, err := compileCEL(&rules[i], names, seen)
		if err != nil {
			return nil, fmt.Errorf("custom[%d] %q: %w", i, clip(rules[i].ID), err)
		}
		if rules[i].AppliesTo == "order" {
			s.orders = append(s.orders, r)
		} else {
			s.payments = append(s.payments, r)
		}
	}
	programs.put(key, s)
	return s, nil
}

// compileCEL checks one rule's fields, then parses, type-checks and plans
// its expression.
func compileCEL(r *CustomRule, names, seen map[string]bool) (celRule, error) {
	if err := r.validate(names, seen); err != nil {
		return celRule{}, err
	}
	env, err := envFor(r.AppliesTo)
	if err != nil {
		return celRule{}, err
	}
	checked, iss := env.Compile(r.Expr)
	if iss.Err() != nil {
		return celRule{}, fmt.Errorf("expr: %v", iss.Err())
	}
	if !checked.OutputType().IsExactType(cel.BoolType) {
		return celRule{}, fmt.Errorf("expr: result is %s, want bool", checked.OutputType())
	}
	if err := checkLiterals(checked); err != nil {
		return celRule{}, err
	}
	if err := checkCost(env, checked); err != nil {
		return celRule{}, err
	}
	prg, err := env.Program(checked, cel.CostLimit(CustomCostLimit), cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return celRule{}, fmt.Errorf("expr: %v", err)
	}
	return celRule{id: r.ID, action: r.Action, reason: r.Reason, expr: clip(r.Expr), prg: prg}, nil
}

// validate checks everything but the expression's meaning.
func (r *CustomRule) validate(names, seen map[string]bool) error {
	switch {
	case !validRuleName(r.ID) || names[r.ID] || seen[r.ID]:
		return errors.New("id: must be unique, 1 to 64 of a-z 0-9 - _, and not the name of another rule")
	case r.AppliesTo != "order" && r.AppliesTo != "payment":
		return fmt.Errorf("applies_to: %q, want order or payment", clip(r.AppliesTo))
	case r.Action != CustomReview && r.Action != CustomReject && r.Action != CustomAlert:
		return fmt.Errorf("action: %q, want review, reject or alert", clip(string(r.Action)))
	case len(r.Description) > maxDescription:
		return fmt.Errorf("description: %d bytes, at most %d", len(r.Description), maxDescription)
	case r.Expr == "" || len(r.Expr) > MaxCustomExpr:
		return fmt.Errorf("expr: %d bytes, want 1 to %d", len(r.Expr), MaxCustomExpr)
	}
	seen[r.ID] = true
	if err := reasonFor(r.Reason); err != nil {
		return fmt.Errorf("reason: %w", err)
	}
	return nil
}

// checkLiterals evaluates every decimal("...") of a string literal at
// load, so that a malformed amount refuses the pack instead of erroring on
// every decision.
func checkLiterals(checked *cel.Ast) error {
	root := ast.NavigateAST(checked.NativeRep())
	for _, call := range ast.MatchDescendants(root, ast.FunctionMatcher("decimal")) {
		args := call.AsCall().Args()
		if len(args) != 1 || args[0].Kind() != ast.LiteralKind {
			continue
		}
		if s, ok := args[0].AsLiteral().(types.String); ok {
			if _, err := parseDecimal(string(s)); err != nil {
				return fmt.Errorf("expr: decimal literal: %v", err)
			}
		}
	}
	return nil
}

// checkCost refuses an expression whose estimated worst-case cost is over
// CustomCostLimit. Strings of the environment are at most 128 bytes.
func checkCost(env *cel.Env, checked *cel.Ast) error {
	est, err := env.EstimateCost(checked, sizeEstimator{})
	if err != nil {
		return fmt.Errorf("expr: cannot estimate cost: %v", err)
	}
	if est.Max > CustomCostLimit {
		return fmt.Errorf("expr: may cost up to %d, limit %d", est.Max, CustomCostLimit)
	}
	return nil
}

// cacheKey is the pack version and the SHA-256 of the rules.
func cacheKey(version string, rules []CustomRule) (string, error) {
	b, err := json.Marshal(rules)
	if err != nil {
		return "", fmt.Errorf("failed to encode custom rules: %w", err)
	}
	sum := sha256.Sum256(b)
	return version + "\x00" + hex.EncodeToString(sum[:]), nil
}

// programCache keeps the compiled custom rules of the most recent packs,
// so that switching to a pack, or replaying the ledger through it, does
// not compile again. It is safe for concurrent use.
type programCache struct {
	mu    sync.Mutex
	m     map[string]*customSet
	order []string
}

// maxCachedPacks bounds the cache; the oldest entry goes first.
const maxCachedPacks = 16

var programs = &programCache{m: map[string]*customSet{}}

func (c *programCache) get(key string) (*customSet, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[key]
	return s, ok
}

func (c *programCache) put(key string, s *customSet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; ok {
		return
	}
	if len(c.order) == maxCachedPacks {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.m[key] = s
	c.order = append(c.order, key)
}

// useCustom compiles (or fetches) the pack's custom rules and makes room
// for their checks in every decision.
func (m *Monitor) useCustom(cfg *Config) error {
	s, err := compileCustom(cfg.Version, cfg.Custom, ruleNames(cfg.Rules))
	if err != nil {
		return err
	}
	m.custom = s
	m.ordCap += len(s.orders)
	m.payCap += len(s.payments)
	return nil
}

// ruleNames returns the names built-in and [[rule]] rules take.
func ruleNames(rules []RuleConfig) map[string]bool {
	names := make(map[string]bool, len(builtinRules)+len(rules))
	for n := range builtinRules {
		names[n] = true
	}
	for _, r := range rules {
		names[r.Name] = true
	}
	return names
}

// evalCustomOrder runs the custom order rules after the built-in ones.
func (m *Monitor) evalCustomOrder(v *verdict, c *orderCtx) {
	if len(m.custom.orders) == 0 {
		return
	}
	act := &activation[*orderCtx]{m: m, c: c, index: orderIndex}
	for i := range m.custom.orders {
		m.custom.orders[i].run(v, act)
	}
}

// evalCustomPayment runs the custom payment rules after the built-in ones.
func (m *Monitor) evalCustomPayment(v *verdict, c *paymentCtx) {
	if len(m.custom.payments) == 0 {
		return
	}
	act := &activation[*paymentCtx]{m: m, c: c, index: paymentIndex}
	for i := range m.custom.payments {
		m.custom.payments[i].run(v, act)
	}
}

// run evaluates the rule and records its check. Evaluation errors (and
// panics) are recorded as errored; the decision goes on.
func (r *celRule) run(v *verdict, act any) {
	f := safeEval(func() finding {
		out, _, err := r.prg.Eval(act)
		if err != nil {
			return finding{err: fmt.Errorf("custom rule: %v", err)}
		}
		fired, ok := out.Value().(bool)
		if !ok {
			return finding{err: fmt.Errorf("custom rule: result %v is not a bool", out.Type())}
		}
		obs := "false"
		if fired {
			obs = "true"
		}
		return finding{fired: fired, observed: obs, limit: r.expr}
	})
	if f.fired && r.action == CustomAlert {
		v.d.Checks = append(v.d.Checks, entry.Check{Rule: r.id, Result: entry.Alert, Reason: r.reason,
			Observed: f.observed, Limit: f.limit})
		return
	}
	action := Review
	if r.action == CustomReject {
		action = Reject
	}
	v.record(r.id, action, r.reason, f)
}
