package monitor

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

//go:embed default.toml
var defaultPack []byte

// Config is a rule pack: every rule's action and limits, per-trader, firm
// and account overrides, custom rules (condition trees under [[rule]], CEL
// expressions under [[custom]]) and the bounds of the in-memory state. It is read from TOML by ParseConfig; unknown keys are an error.
type Config struct {
	// Version names the rule pack; it is written into every Decision.
	Version  string                   `toml:"version"`
	Orders   OrderRules               `toml:"orders"`
	Payments PaymentRules             `toml:"payments"`
	Traders  map[string]TraderConfig  `toml:"traders"`
	Firms    map[string]FirmConfig    `toml:"firms"`
	Accounts map[string]AccountConfig `toml:"accounts"`
	Rules    []RuleConfig             `toml:"rule"`
	Custom   []CustomRule             `toml:"custom"`
	State    StateConfig              `toml:"state"`
}

// OrderRules configures the pre-trade checks (SEC Rule 15c3-5 style).
type OrderRules struct {
	KillSwitch   RuleAction `toml:"kill_switch"`
	Restricted   ListRule   `toml:"restricted"`
	Watch        ListRule   `toml:"watch"`
	DuplicateID  RuleAction `toml:"duplicate_id"`
	Duplicate    WindowRule `toml:"duplicate"`
	UnknownOrder RuleAction `toml:"unknown_order"`
	Size         SizeRule   `toml:"size"`
	Collar       CollarRule `toml:"collar"`
	Notional     LimitRule  `toml:"notional"`
	Credit       LimitRule  `toml:"credit"`
	Capital      LimitRule  `toml:"capital"`

	// Market-abuse detectors (see abuse_config.go).
	Spoofing      SpoofingRule      `toml:"spoofing"`
	Layering      LayeringRule      `toml:"layering"`
	QuoteStuffing QuoteStuffingRule `toml:"quote_stuffing"`
	CancelRatio   CancelRatioRule   `toml:"cancel_ratio"`
	WashTrade     WashTradeRule     `toml:"wash_trade"`
	MarkingClose  MarkingCloseRule  `toml:"marking_close"`
	FrontRunning  FrontRunningRule  `toml:"front_running"`
	Insider       InsiderRule       `toml:"insider_dealing"`
}

// PaymentRules configures the fraud and AML checks on payments.
type PaymentRules struct {
	Frozen          RuleAction       `toml:"frozen"`
	Drain           DrainRule        `toml:"drain"`
	Velocity        CountRule        `toml:"velocity"`
	History         HistoryRule      `toml:"history"`
	NewCounterparty CounterpartyRule `toml:"new_counterparty"`
	Structuring     StructuringRule  `toml:"structuring"`
	FanOut          CountRule        `toml:"fan_out"`
	FanIn           CountRule        `toml:"fan_in"`
	Cycle           CycleRule        `toml:"cycle"`
	RepeatPayee     RepeatRule       `toml:"repeat_payee"`
	SplitAmount     SplitRule        `toml:"split_amount"`
}

// RuleAction is a rule with no parameter besides its action.
type RuleAction struct {
	Action Action `toml:"action"`
}

// ListRule blocks or flags symbols. Symbols are listed inline, in a list
// file (see ParseSymbolList) and, for the restricted list, taken from the
// issuers of every SEC Form 4 file (*.xml) in Form4Dir.
type ListRule struct {
	Action   Action   `toml:"action"`
	Symbols  []string `toml:"symbols"`
	ListFile string   `toml:"list_file"`
	Form4Dir string   `toml:"form4_dir"`
}

// WindowRule fires when the same thing is seen twice within Window.
type WindowRule struct {
	Action Action   `toml:"action"`
	Window Duration `toml:"window"`
}

// SizeRule limits the quantity of one order, in shares or contracts.
type SizeRule struct {
	Action Action `toml:"action"`
	MaxQty int64  `toml:"max_qty"`
}

// CollarRule rejects prices more than Percent away from the reference: the
// last accepted price of the symbol, or else Reference[symbol].
type CollarRule struct {
	Action    Action            `toml:"action"`
	Percent   Amount            `toml:"percent"`
	Reference map[string]Amount `toml:"reference"`
}

// LimitRule compares a notional, in the instrument currency, with Limit.
type LimitRule struct {
	Action Action `toml:"action"`
	Limit  Amount `toml:"limit"`
}

// DrainRule fires when a payment of one of Kinds takes at least Ratio
// (0 to 1) of the originating account's balance.
type DrainRule struct {
	Action Action   `toml:"action"`
	Ratio  Amount   `toml:"ratio"`
	Kinds  []string `toml:"kinds"`
}

// CountRule fires when more than Max payments (velocity) or distinct
// counterparties (fan-in, fan-out), this one included, fall within Window.
type CountRule struct {
	Action Action   `toml:"action"`
	Window Duration `toml:"window"`
	Max    int      `toml:"max"`
}

// HistoryRule fires when an amount exceeds Factor times the mean of the
// account's recent payments, once it has at least MinCount of them.
type HistoryRule struct {
	Action   Action `toml:"action"`
	MinCount int    `toml:"min_count"`
	Factor   Amount `toml:"factor"`
}

// CounterpartyRule fires for an amount of at least Amount to a counterparty
// the account has not paid recently, once it has MinHistory payments.
type CounterpartyRule struct {
	Action     Action `toml:"action"`
	Amount     Amount `toml:"amount"`
	MinHistory int    `toml:"min_history"`
}

// StructuringRule fires when Count or more payments within Window, this one
// included, fall in [Threshold*(1-Band), Threshold): amounts kept just under
// a reporting threshold.
type StructuringRule struct {
	Action    Action   `toml:"action"`
	Threshold Amount   `toml:"threshold"`
	Band      Amount   `toml:"band"`
	Count     int      `toml:"count"`
	Window    Duration `toml:"window"`
}

// CycleRule fires when funds paid to an account can return to the payer
// through at most MaxDepth payments made within Window.
type CycleRule struct {
	Action   Action   `toml:"action"`
	Window   Duration `toml:"window"`
	MaxDepth int      `toml:"max_depth"`
}

// TraderConfig overrides limits for one trader and says who the trader is
// for the market-abuse rules. Zero values mean the pack-wide default.
type TraderConfig struct {
	Firm     string `toml:"firm"`
	Notional Amount `toml:"notional"`
	MaxQty   int64  `toml:"max_qty"`
	Halted   bool   `toml:"halted"`
	// Owner is the beneficial owner the trader acts for (wash trades);
	// empty means the trader itself.
	Owner string `toml:"owner"`
	// Category is client (the default), proprietary or employee
	// (front-running).
	Category string `toml:"category"`
	// Insider is the CIK or name of the insider the trader is or acts for
	// (insider dealing); empty when none.
	Insider string `toml:"insider"`
}

// FirmConfig overrides limits for one firm.
type FirmConfig struct {
	Capital Amount `toml:"capital"`
	Halted  bool   `toml:"halted"`
}

// AccountConfig overrides limits for one account (plain identifier).
type AccountConfig struct {
	Credit Amount `toml:"credit"`
	Frozen bool   `toml:"frozen"`
}

// StateConfig bounds the in-memory state; see Monitor for bytes per key.
type StateConfig struct {
	MaxOrders   int `toml:"max_orders"`   // open orders tracked
	MaxAccounts int `toml:"max_accounts"` // accounts with payment history, per direction
	MaxKeys     int `toml:"max_keys"`     // seen ids, order fingerprints, prices, alerts
	History     int `toml:"history"`      // payments kept per account and direction
	MaxMarket   int `toml:"max_market"`   // trader-symbol pairs and symbols with market-abuse state; 0 means 20,000
}

// ParseConfig decodes a rule pack from TOML and validates it. name is used
// in errors (a file name). Unknown keys are an error naming the key and its
// line (REPLAY M11).
func ParseConfig(data []byte, name string) (Config, error) {
	var c Config
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields().EnableUnmarshalerInterface()
	if err := dec.Decode(&c); err != nil {
		return Config{}, tomlError(name, err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// LoadConfig reads and parses the rule pack at path.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("failed to read rule pack: %w", err)
	}
	return ParseConfig(b, path)
}

// DefaultConfig returns the rule pack built into the package. Its limits
// are calibrated on the shipped PaySim sample; it loads no list files.
func DefaultConfig() Config {
	c, err := ParseConfig(defaultPack, "default.toml")
	if err != nil {
		panic("monitor: built-in rule pack is invalid: " + err.Error())
	}
	return c
}

// tomlError renders a decoder error as "file:line: message", naming every
// unknown key.
func tomlError(name string, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		msgs := make([]string, 0, len(strict.Errors))
		for _, e := range strict.Errors {
			line, _ := e.Position()
			msgs = append(msgs, fmt.Sprintf("%s:%d: unknown key %q", name, line, strings.Join(e.Key(), ".")))
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, _ := de.Position()
		return fmt.Errorf("%s:%d: key %q: %v", name, line, strings.Join(de.Key(), "."), de)
	}
	return fmt.Errorf("%s: %v", name, err)
}

// DefaultPackTOML returns the built-in rule pack as TOML: a starting point
// for a pack of one's own.
func DefaultPackTOML() []byte { return bytes.Clone(defaultPack) }
