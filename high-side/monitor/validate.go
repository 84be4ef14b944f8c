package monitor

import (
	"fmt"

	"bastion/shared/entry"

	"github.com/shopspring/decimal"
)

// State bounds accepted by Validate.
const (
	maxHistory    = 1024
	maxStateKeys  = 10_000_000
	maxCycleDepth = 8
)

var paymentKinds = map[string]bool{
	"transfer": true, "payment": true, "cash_out": true, "cash_in": true, "debit": true, "wire": true,
}

// Validate checks every section of the pack and returns the first problem,
// naming its key.
func (c *Config) Validate() error {
	if c.Version == "" || len(c.Version) > 64 {
		return fmt.Errorf("version: must be 1 to 64 characters")
	}
	steps := []func() error{c.validateOrders, c.validatePayments, c.validateOverrides, c.State.validate}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	if err := c.validateCounts(); err != nil {
		return err
	}
	if err := validateRules(c.Rules); err != nil {
		return err
	}
	return c.validateCustom()
}

// validateCustom bounds the custom rules of both kinds together, so that a
// decision never records more checks than entry.Decision allows, then
// compiles the CEL rules.
func (c *Config) validateCustom() error {
	if n := len(c.Rules) + len(c.Custom); n > maxCustomRules {
		return fmt.Errorf("custom: %d [[rule]] and [[custom]] rules, at most %d in all", n, maxCustomRules)
	}
	_, err := compileCustom(c.Version, c.Custom, ruleNames(c.Rules))
	return err
}

// sectionError names the key of a failing section.
func sectionError(key string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", key, err)
}

func (c *Config) validateOrders() error {
	o := &c.Orders
	checks := []struct {
		key string
		err error
	}{
		{"orders.kill_switch", o.KillSwitch.Action.validate()},
		{"orders.restricted", o.Restricted.validate()},
		{"orders.watch", o.Watch.validate()},
		{"orders.duplicate_id", o.DuplicateID.Action.validate()},
		{"orders.duplicate", o.Duplicate.validate()},
		{"orders.unknown_order", o.UnknownOrder.Action.validate()},
		{"orders.size", o.Size.validate()},
		{"orders.collar", o.Collar.validate()},
		{"orders.notional", o.Notional.validate()},
		{"orders.credit", o.Credit.validate()},
		{"orders.capital", o.Capital.validate()},
		{"orders.spoofing", o.Spoofing.validate()},
		{"orders.layering", o.Layering.validate()},
		{"orders.quote_stuffing", o.QuoteStuffing.validate()},
		{"orders.cancel_ratio", o.CancelRatio.validate()},
		{"orders.wash_trade", o.WashTrade.validate()},
		{"orders.marking_close", o.MarkingClose.validate()},
		{"orders.front_running", o.FrontRunning.validate()},
		{"orders.insider_dealing", o.Insider.validate()},
	}
	for _, ch := range checks {
		if ch.err != nil {
			return sectionError(ch.key, ch.err)
		}
	}
	return nil
}

func (c *Config) validatePayments() error {
	p := &c.Payments
	checks := []struct {
		key string
		err error
	}{
		{"payments.frozen", p.Frozen.Action.validate()},
		{"payments.drain", p.Drain.validate()},
		{"payments.velocity", p.Velocity.validate()},
		{"payments.history", p.History.validate()},
		{"payments.new_counterparty", p.NewCounterparty.validate()},
		{"payments.structuring", p.Structuring.validate()},
		{"payments.fan_out", p.FanOut.validate()},
		{"payments.fan_in", p.FanIn.validate()},
		{"payments.cycle", p.Cycle.validate()},
		{"payments.repeat_payee", p.RepeatPayee.validate()},
		{"payments.split_amount", p.SplitAmount.validate()},
	}
	for _, ch := range checks {
		if ch.err != nil {
			return sectionError(ch.key, ch.err)
		}
	}
	return nil
}

// validateCounts checks that every count a rule needs fits in the history
// kept per account, so a rule can never be silently blind.
func (c *Config) validateCounts() error {
	h, p := c.State.History, &c.Payments
	counts := []struct {
		key string
		on  bool
		n   int
	}{
		{"payments.velocity.max", p.Velocity.Action != Off, p.Velocity.Max},
		{"payments.fan_out.max", p.FanOut.Action != Off, p.FanOut.Max},
		{"payments.fan_in.max", p.FanIn.Action != Off, p.FanIn.Max},
		{"payments.history.min_count", p.History.Action != Off, p.History.MinCount},
		{"payments.structuring.count", p.Structuring.Action != Off, p.Structuring.Count},
		{"payments.repeat_payee.count", p.RepeatPayee.Action != Off, p.RepeatPayee.Count},
		{"payments.split_amount.min_count", p.SplitAmount.Action != Off, p.SplitAmount.MinCount},
	}
	for _, ct := range counts {
		if ct.on && ct.n >= h {
			return fmt.Errorf("%s: %d must be below state.history (%d)", ct.key, ct.n, h)
		}
	}
	return nil
}

func (c *Config) validateOverrides() error {
	for id, t := range c.Traders {
		if err := checkID("traders", id); err != nil {
			return err
		}
		if t.Notional.IsNegative() || t.MaxQty < 0 {
			return fmt.Errorf("traders.%s: negative limit", id)
		}
		if err := t.validateIdentity(id); err != nil {
			return err
		}
	}
	for id, f := range c.Firms {
		if err := checkID("firms", id); err != nil {
			return err
		}
		if f.Capital.IsNegative() {
			return fmt.Errorf("firms.%s.capital: negative limit", id)
		}
	}
	for id, a := range c.Accounts {
		if id == "" || len(id) > 128 {
			return fmt.Errorf("accounts: malformed account %q", id)
		}
		if a.Credit.IsNegative() {
			return fmt.Errorf("accounts.%s.credit: negative limit", id)
		}
	}
	return nil
}

func checkID(key, id string) error {
	if id == "" || len(id) > 128 {
		return fmt.Errorf("%s: malformed id %q", key, id)
	}
	return nil
}

func (s *StateConfig) validate() error {
	switch {
	case s.History < 2 || s.History > maxHistory:
		return fmt.Errorf("state.history: %d, want 2 to %d", s.History, maxHistory)
	case s.MaxOrders < 1 || s.MaxOrders > maxStateKeys:
		return fmt.Errorf("state.max_orders: %d, want 1 to %d", s.MaxOrders, maxStateKeys)
	case s.MaxAccounts < 1 || s.MaxAccounts > maxStateKeys:
		return fmt.Errorf("state.max_accounts: %d, want 1 to %d", s.MaxAccounts, maxStateKeys)
	case s.MaxKeys < 1 || s.MaxKeys > maxStateKeys:
		return fmt.Errorf("state.max_keys: %d, want 1 to %d", s.MaxKeys, maxStateKeys)
	case s.MaxMarket < 0 || s.MaxMarket > maxStateKeys:
		return fmt.Errorf("state.max_market: %d, want 0 (the default) to %d", s.MaxMarket, maxStateKeys)
	}
	return nil
}

func (r ListRule) validate() error {
	if err := r.Action.validate(); err != nil {
		return err
	}
	for _, s := range r.Symbols {
		if !validSymbol(s) {
			return fmt.Errorf("malformed symbol %q", s)
		}
	}
	return nil
}

func (r WindowRule) validate() error {
	if err := r.Action.validate(); err != nil || r.Action == Off {
		return err
	}
	if r.Window.Duration <= 0 {
		return fmt.Errorf("window must be positive")
	}
	return nil
}

func (r SizeRule) validate() error {
	if err := r.Action.validate(); err != nil || r.Action == Off {
		return err
	}
	if r.MaxQty <= 0 {
		return fmt.Errorf("max_qty must be positive")
	}
	return nil
}

func (r CollarRule) validate() error {
	if err := r.Action.validate(); err != nil || r.Action == Off {
		return err
	}
	if !r.Percent.IsPositive() {
		return fmt.Errorf("percent must be positive")
	}
	for sym, ref := range r.Reference {
		if !validSymbol(sym) || !ref.IsPositive() {
			return fmt.Errorf("reference.%s: want a valid symbol and a positive price", sym)
		}
	}
	return nil
}

func (r LimitRule) validate() error {
	if err := r.Action.validate(); err != nil || r.Action == Off {
		return err
	}
	if !r.Limit.IsPositive() {
		return fmt.Errorf("limit must be positive")
	}
	return nil
}

func (r DrainRule) validate() error {
	if err := r.Action.validate(); err != nil || r.Action == Off {
		return err
	}
	if !r.Ratio.IsPositive() || r.Ratio.GreaterThan(decimal.NewFromInt(1)) {
		return fmt.Errorf("ratio must be in (0, 1]")
	}
	if len(r.Kinds) == 0 {
		return fmt.Errorf("kinds must name at least one payment kind")
	}
	return validKinds(r.Kinds)
}

func validKinds(kinds []string) error {
	for _, k := range kinds {
		if !paymentKinds[k] {
			return fmt.Errorf("unknown payment kind %q", k)
		}
	}
	return nil
}

func (r CountRule) validate() error {
	if err := r.Action.validate(); err != nil || r.Action == Off {
		return err
	}
	if r.Window.Duration <= 0 || r.Max < 1 {
		return fmt.Errorf("window and max must be positive")
	}
	return nil
}

func (r HistoryRule) validate() error {
	if err := r.Action.validate(); err != nil || r.Action == Off {
		return err
	}
	if r.MinCount < 1 || r.Factor.Cmp(decimal.NewFromInt(1)) <= 0 {
		return fmt.Errorf("min_count must be positive and factor above 1")
	}
	return nil
}

func (r CounterpartyRule) validate() error {
	if err := r.Action.validate(); err != nil || r.Action == Off {
		return err
	}
	if !r.Amount.IsPositive() || r.MinHistory < 1 {
		return fmt.Errorf("amount and min_history must be positive")
	}
	return nil
}

func (r StructuringRule) validate() error {
	if err := r.Action.validate(); err != nil || r.Action == Off {
		return err
	}
	if !r.Threshold.IsPositive() || !r.Band.IsPositive() || r.Band.Cmp(decimal.NewFromInt(1)) >= 0 {
		return fmt.Errorf("threshold must be positive and band in (0, 1)")
	}
	if r.Count < 2 || r.Window.Duration <= 0 {
		return fmt.Errorf("count must be at least 2 and window positive")
	}
	return nil
}

func (r CycleRule) validate() error {
	if err := r.Action.validate(); err != nil || r.Action == Off {
		return err
	}
	if r.Window.Duration <= 0 || r.MaxDepth < 1 || r.MaxDepth > maxCycleDepth {
		return fmt.Errorf("window must be positive and max_depth 1 to %d", maxCycleDepth)
	}
	return nil
}

// validSymbol reports whether s is 1 to 12 characters of A-Z, 0-9, '.' and
// '-', the symbol syntax of entry.Order.
func validSymbol(s string) bool {
	if len(s) == 0 || len(s) > 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// reasonFor checks a custom rule's reason code against the closed list.
func reasonFor(code string) error {
	if !entry.IsReason(code) {
		return fmt.Errorf("unknown reason code %q", code)
	}
	return nil
}

// validateIdentity checks the firm, owner, category and insider of trader
// id.
func (t TraderConfig) validateIdentity(id string) error {
	for _, f := range [...][2]string{{"firm", t.Firm}, {"owner", t.Owner}, {"insider", t.Insider}} {
		if f[1] == "" {
			continue
		}
		if err := checkID("traders."+id+"."+f[0], f[1]); err != nil {
			return err
		}
	}
	if !validCategory(t.Category) {
		return fmt.Errorf("traders.%s.category: %q, want client, proprietary or employee", id, clip(t.Category))
	}
	return nil
}
