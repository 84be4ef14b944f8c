package monitor

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"bastion/shared/entry"

	"github.com/google/cel-go/cel"
)

// withCustom returns an edit adding custom rules, under a version of its
// own so that the compiled-program cache never mixes two tests' rules.
func withCustom(rules ...CustomRule) func(*Config) {
	return func(c *Config) {
		c.Version = "custom-test"
		c.Custom = rules
	}
}

func celOrderRule(id, expr string, action CustomAction) CustomRule {
	return CustomRule{ID: id, AppliesTo: "order", Expr: expr, Action: action, Reason: entry.ReasonNotionalLimit}
}

func celPaymentRule(id, expr string, action CustomAction) CustomRule {
	return CustomRule{ID: id, AppliesTo: "payment", Expr: expr, Action: action, Reason: entry.ReasonVelocity}
}

func TestCustomRuleRefusedAtLoad(t *testing.T) {
	cases := []struct {
		name string
		rule CustomRule
		want string // in the error, after the rule id
	}{
		{"syntax", celOrderRule("big", "order.qty >", CustomReview), `custom[0] "big": expr:`},
		{"unknown variable", celOrderRule("big", "order.quantity > 5", CustomReview), "undeclared reference to 'order'"},
		{"type mismatch", celOrderRule("big", `order.symbol > 5`, CustomReview), "found no matching overload for '_>_'"},
		{"decimal against string", celOrderRule("big", `order.notional > "5"`, CustomReview), "no matching overload"},
		{"not a bool", celOrderRule("big", "order.qty + 1", CustomReview), "result is int, want bool"},
		{"payment field on order", celOrderRule("big", "payment.amount > 1", CustomReview), "undeclared reference to 'payment'"},
		{"bad decimal literal", celOrderRule("big", `order.notional > decimal("1e99999")`, CustomReview), "decimal literal"},
		{"cost", celOrderRule("big", costly(6), CustomReview), "may cost up to"},
		{"unknown action", celOrderRule("big", "true", "block"), `action: "block"`},
		{"unknown applies_to", CustomRule{ID: "big", AppliesTo: "trade", Expr: "true", Action: CustomReview, Reason: entry.ReasonWatchList}, "applies_to"},
		{"reason not in the closed list", CustomRule{ID: "big", AppliesTo: "order", Expr: "true", Action: CustomReview, Reason: "CUSTOM"}, "unknown reason code"},
		{"built-in name", celOrderRule("order_size", "true", CustomReview), "id: must be unique"},
		{"bad id", celOrderRule("Big Rule", "true", CustomReview), "id: must be unique"},
		{"empty expr", celOrderRule("big", "", CustomReview), "expr: 0 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			withCustom(tc.rule)(&cfg)
			err := cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate: got %v, want an error containing %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.rule.ID)) && tc.rule.ID != "" {
				t.Errorf("error %q does not name rule %q", err, tc.rule.ID)
			}
			if _, err := New(cfg, nil); err == nil {
				t.Errorf("New accepted a pack Validate refuses")
			}
		})
	}
}

// costly nests n comprehensions over a ten-element list whose condition
// never holds: 10^n iterations.
func costly(n int) string {
	expr := "x0 < 0"
	for i := n - 1; i >= 0; i-- {
		expr = fmt.Sprintf("[1,2,3,4,5,6,7,8,9,10].exists(x%d, %s)", i, expr)
	}
	return expr
}

func TestCustomRuleDuplicateIDs(t *testing.T) {
	cfg := DefaultConfig()
	withCustom(celOrderRule("big", "true", CustomReview), celPaymentRule("big", "true", CustomReview))(&cfg)
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), `custom[1] "big"`) {
		t.Fatalf("Validate: got %v, want the second rule refused", err)
	}
}

func TestCustomOrderRule(t *testing.T) {
	m := newTestMonitor(t, withCustom(
		celOrderRule("large_notional", `order.notional >= decimal("100000") && trader.category == "client"`, CustomReview),
		celOrderRule("exposure_share", `account.open_notional + order.notional > limits.credit * decimal("0.0001")`, CustomAlert),
		celOrderRule("no_short_small", `order.side == "sell" && order.qty < 5`, CustomReject),
	))
	cases := []struct {
		name    string
		qty     int64
		side    entry.Side
		outcome entry.Outcome
		results map[string]entry.CheckResult
	}{
		{"below", 10, entry.Buy, entry.Accept, map[string]entry.CheckResult{
			"large_notional": entry.Pass, "exposure_share": entry.Alert, "no_short_small": entry.Pass}},
		{"large", 200, entry.Buy, entry.Review, map[string]entry.CheckResult{
			"large_notional": entry.Alert, "exposure_share": entry.Alert, "no_short_small": entry.Pass}},
		{"reject", 2, entry.Sell, entry.Reject, map[string]entry.CheckResult{
			"large_notional": entry.Pass, "exposure_share": entry.Pass, "no_short_small": entry.Fail}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := m.DecideOrder(order("o1", entry.OrderNew, "AAPL", tc.side, tc.qty, "580"), t0)
			if d.Outcome != tc.outcome {
				t.Errorf("outcome: got %s, want %s (%+v)", d.Outcome, tc.outcome, d.Checks)
			}
			for rule, want := range tc.results {
				c, ok := checkOf(d, rule)
				if !ok || c.Result != want {
					t.Errorf("%s: got %+v (found %v), want %s", rule, c, ok, want)
				}
			}
			if err := d.Validate(); err != nil {
				t.Errorf("decision invalid: %v", err)
			}
			if d.RulePack != "custom-test" {
				t.Errorf("rule pack: got %q, want custom-test", d.RulePack)
			}
		})
	}
}

func TestCustomPaymentRuleUsesHistory(t *testing.T) {
	m := newTestMonitor(t, withCustom(
		celPaymentRule("burst", `payer.count_1h >= 2 && !payer.knows_payee`, CustomReview),
	))
	for i := range 2 {
		commitPayment(m, payment(fmt.Sprint("p", i), "a", "b", "10", "0", "transfer"), t0.Add(time.Duration(i)*time.Minute))
	}
	cases := []struct {
		to   string
		want entry.CheckResult
	}{
		{"b", entry.Pass},  // known payee
		{"c", entry.Alert}, // new payee after two payments within the hour
	}
	for _, tc := range cases {
		d := m.DecidePayment(payment("p9", "a", tc.to, "10", "0", "transfer"), t0.Add(5*time.Minute))
		if c, _ := checkOf(d, "burst"); c.Result != tc.want {
			t.Errorf("to %s: got %+v, want %s", tc.to, c, tc.want)
		}
	}
}

func TestCustomRuleErroredStillDecides(t *testing.T) {
	m := newTestMonitor(t, withCustom(
		celOrderRule("valued", `order.notional > decimal("1")`, CustomReject),
		celOrderRule("loop", `[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, a * b > 1000))`, CustomReject),
	))
	// A market order on a symbol with no reference price cannot be valued.
	o := order("o1", entry.OrderNew, "MSFT", entry.Buy, 10, "0")
	d := m.DecideOrder(o, t0)
	c, _ := checkOf(d, "valued")
	if c.Result != entry.Errored || c.Reason != entry.ReasonRuleError || !strings.Contains(c.Observed, "cannot value order") {
		t.Errorf("valued: got %+v, want errored with RULE_ERROR naming the cause", c)
	}
	if d.Outcome != entry.Review {
		t.Errorf("outcome: got %s, want review (an errored rule holds for review)", d.Outcome)
	}
	if c, _ := checkOf(d, "loop"); c.Result != entry.Pass {
		t.Errorf("loop: got %+v, want pass (the other rules still run)", c)
	}
}

func TestCustomRuleCostLimit(t *testing.T) {
	// Each comprehension is within the estimate; the runtime limit is
	// checked with a program compiled without the load-time estimate.
	env, err := envFor("order")
	if err != nil {
		t.Fatal(err)
	}
	checked, iss := env.Compile(costly(5))
	if iss.Err() != nil {
		t.Fatal(iss.Err())
	}
	if err := checkCost(env, checked); err == nil {
		t.Fatalf("checkCost accepted 10^5 iterations")
	}
	r, err := compileCEL(&CustomRule{ID: "cheap", AppliesTo: "order", Expr: "order.qty > 0",
		Action: CustomReview, Reason: entry.ReasonOrderSize}, map[string]bool{}, map[string]bool{})
	if err != nil {
		t.Fatal(err)
	}
	r.prg, err = env.Program(checked, cel.CostLimit(CustomCostLimit))
	if err != nil {
		t.Fatal(err)
	}
	m := newTestMonitor(t, nil)
	v := newVerdict("p")
	c := m.orderContext(new(order("o1", entry.OrderNew, "AAPL", entry.Buy, 1, "580")), t0)
	r.run(v, &activation[*orderCtx]{m: m, c: c, index: orderIndex})
	got := v.d.Checks[0]
	if got.Result != entry.Errored || !strings.Contains(got.Observed, "cost limit exceeded") {
		t.Errorf("got %+v, want errored on the cost limit", got)
	}
	if v.d.Outcome != entry.Review {
		t.Errorf("outcome: got %s, want review", v.d.Outcome)
	}
}

func TestCustomProgramsCachedPerPack(t *testing.T) {
	rules := []CustomRule{celOrderRule("big", "order.qty > 5", CustomReview)}
	a, err := compileCustom("cache-v1", rules, map[string]bool{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := compileCustom("cache-v1", rules, map[string]bool{})
	c, _ := compileCustom("cache-v2", rules, map[string]bool{})
	if a != b {
		t.Errorf("same version and rules compiled twice")
	}
	if a == c {
		t.Errorf("another version shares the compiled set")
	}
	changed := []CustomRule{celOrderRule("big", "order.qty > 6", CustomReview)}
	if d, _ := compileCustom("cache-v1", changed, map[string]bool{}); d == a {
		t.Errorf("changed rules under the same version reuse the old programs")
	}
}

func TestCustomRulesFromTOML(t *testing.T) {
	pack := strings.Replace(string(defaultPack), `version = "builtin-2025.1"`, `version = "desk-2025.2"

[[custom]]
id = "odd_lot_short"
description = "short sales of odd lots need a look"
applies_to = "order"
expr = 'order.side == "short" && order.qty % 100 != 0'
action = "review"
reason = "ORDER_SIZE"`, 1)
	cfg, err := ParseConfig([]byte(pack), "pack.toml")
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	if len(cfg.Custom) != 1 || cfg.Custom[0].ID != "odd_lot_short" {
		t.Fatalf("custom rules: got %+v", cfg.Custom)
	}
	bad := strings.Replace(pack, "order.qty % 100", "order.qty % 100.0", 1)
	if _, err := ParseConfig([]byte(bad), "pack.toml"); err == nil || !strings.Contains(err.Error(), `"odd_lot_short"`) {
		t.Errorf("type error: got %v, want an error naming the rule", err)
	}
}

func TestCustomVariablesDocumented(t *testing.T) {
	for _, what := range []string{"order", "payment"} {
		vars := CustomVariables(what)
		if len(vars) == 0 {
			t.Fatalf("%s: no variables", what)
		}
		for _, v := range vars {
			if v.Name == "" || v.Type == "" || v.Doc == "" {
				t.Errorf("%s: undocumented variable %+v", what, v)
			}
		}
	}
}

// TestAdoptCoversPackFields fails when a field is added to Monitor without
// deciding whether a pack switch replaces it (adopt) or keeps it.
func TestAdoptCoversPackFields(t *testing.T) {
	known := map[string]bool{
		// replaced by adopt
		"cfg": true, "text": true, "session": true, "insiders": true, "custOrd": true, "custPay": true,
		"custom": true, "restrict": true, "watch": true, "kinds": true, "ordActs": true, "payActs": true,
		"ordCap": true, "payCap": true,
		// kept across a switch
		"log": true, "mu": true, "halt": true, "froze": true, "st": true, "base": true,
	}
	rt := reflect.TypeFor[Monitor]()
	for i := range rt.NumField() {
		if f := rt.Field(i).Name; !known[f] {
			t.Errorf("Monitor.%s: say in adopt (rulepack.go) whether a pack switch replaces it", f)
		}
	}
}
