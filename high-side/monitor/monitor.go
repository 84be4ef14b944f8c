// Package monitor makes the leader's real-time decision on every order and
// payment before its entry is proposed: SEC Rule 15c3-5 style pre-trade
// risk controls and market-abuse detectors on orders, fraud and AML checks
// on payments. The entry.Decision it returns travels inside the entry, so
// followers never re-run a rule.
//
// # Deciding and observing
//
// Deciding never changes state. DecideOrder and DecidePayment read the
// state built from committed entries and return a Decision; nothing is
// remembered about the submission. Only ObserveOrder and ObservePayment,
// called when an entry is committed (the state machine's apply), change
// state. The same calls, made for every entry of the ledger in order,
// rebuild the state on start or leader change; Reset starts over. Because
// state follows the committed log only, every node that observes the log
// holds the same state, and a new leader decides as the old one would.
//
// Submissions decided but not yet committed are not counted: two orders
// decided back to back each see the exposure without the other. A caller
// that needs them counted decides and proposes one submission at a time.
//
// # Concurrency
//
// A Monitor is safe for concurrent use: Decide* take a read lock and may
// run in parallel; Observe*, Reset, SetHalted and SetFrozen take the write
// lock.
//
// # Memory
//
// All per-key state is bounded, keys are Go structs or single strings
// (never concatenations, REPLAY M6), and eviction is least recently
// written first, so it depends only on the committed sequence. Measured
// heap on amd64:
//
//   - open orders: at most State.MaxOrders, about 250 bytes each;
//   - payment history: at most State.MaxAccounts accounts per direction
//     (outgoing and incoming), each a ring of State.History events of
//     about 170 bytes, plus about 200 bytes of key and bookkeeping;
//   - seen transaction ids, order events and fingerprints, reference
//     prices and raised alerts: five sets of at most State.MaxKeys keys,
//     about 180 bytes per key;
//   - market-abuse state: at most State.MaxMarket trader-symbol activity
//     records (16 orders, 8 executions, two counting windows of 10 slots:
//     about 2 KB), as many symbol tapes (32 executions, about 3 KB) and
//     symbol-side queues (16 orders, about 1.5 KB): about 130 MB for the
//     built-in 20,000.
//
// With the built-in pack (200,000 orders, 25,000 accounts, 32 events,
// 200,000 keys) that is at most about 0.5 GB. The seen-id sets are a
// bounded second line: durable idempotency is the receipt store's.
package monitor

import (
	"fmt"
	"log/slog"
	"maps"
	"sync"

	"github.com/shopspring/decimal"
)

// Monitor holds the rule pack and the state built from committed entries.
type Monitor struct {
	cfg      Config
	log      *slog.Logger
	custOrd  []customRule
	custPay  []customRule
	restrict map[string]string // symbol -> where it was listed
	watch    map[string]string
	kinds    map[string]bool // payment kinds the drain rule covers
	text     texts
	ordActs  []Action // action of each of orderRules
	payActs  []Action // action of each of paymentRules
	ordCap   int      // most checks an order decision records
	payCap   int      // most checks a payment decision records
	session  session  // the close watched by marking_close
	insiders insiderBook
	custom   *customSet // CEL rules (custom.go)
	base     *Monitor   // the pack New was given, once another is in use (rulepack.go)

	mu    sync.RWMutex
	halt  map[haltKey]bool
	froze map[string]bool
	st    *state
}

// Scope is what a kill switch halts.
type Scope string

// Kill-switch scopes.
const (
	ScopeTrader Scope = "trader"
	ScopeFirm   Scope = "firm"
)

type haltKey struct {
	scope Scope
	id    string
}

// New validates cfg, loads the restricted and watch lists it names and
// returns a Monitor with empty state. A nil logger discards. It returns an
// error naming the key or file when the pack or a list is invalid.
func New(cfg Config, logger *slog.Logger) (*Monitor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid rule pack: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m := &Monitor{cfg: cfg, log: logger, kinds: map[string]bool{}, text: newTexts(&cfg)}
	var err error
	if m.custOrd, m.custPay, err = compileRules(cfg.Rules); err != nil {
		return nil, err
	}
	if m.restrict, err = loadList(cfg.Orders.Restricted, true); err != nil {
		return nil, fmt.Errorf("failed to load restricted list: %w", err)
	}
	if m.watch, err = loadList(cfg.Orders.Watch, false); err != nil {
		return nil, fmt.Errorf("failed to load watch list: %w", err)
	}
	m.ordActs, m.payActs = orderActions(&cfg.Orders), paymentActions(&cfg.Payments)
	m.ordCap, m.payCap = 1+enabled(m.ordActs)+len(m.custOrd), 1+enabled(m.payActs)+len(m.custPay)
	if err := m.useCustom(&cfg); err != nil {
		return nil, err
	}
	m.session = newSession(&cfg.Orders.MarkingClose)
	if m.insiders, err = newInsiderBook(&cfg.Orders.Insider); err != nil {
		return nil, fmt.Errorf("failed to load insiders: %w", err)
	}
	for _, k := range cfg.Payments.Drain.Kinds {
		m.kinds[k] = true
	}
	m.resetLocked()
	m.log.Info("monitor ready", slog.String("rule_pack", cfg.Version),
		slog.Int("restricted", len(m.restrict)), slog.Int("watch", len(m.watch)))
	return m, nil
}

// RulePack returns the version of the rule pack in use.
func (m *Monitor) RulePack() string { return m.cfg.Version }

// Restricted returns a copy of the restricted list: symbol to source.
func (m *Monitor) Restricted() map[string]string { return maps.Clone(m.restrict) }

// Reset drops all state built from committed entries and restores the
// kill switches and frozen accounts of the rule pack. Call it before
// rebuilding from the ledger.
func (m *Monitor) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.restoreBase()
	m.resetLocked()
}

func (m *Monitor) resetLocked() {
	m.halt = map[haltKey]bool{}
	for id, t := range m.cfg.Traders {
		if t.Halted {
			m.halt[haltKey{ScopeTrader, id}] = true
		}
	}
	for id, f := range m.cfg.Firms {
		if f.Halted {
			m.halt[haltKey{ScopeFirm, id}] = true
		}
	}
	m.froze = map[string]bool{}
	for id, a := range m.cfg.Accounts {
		if a.Frozen {
			m.froze[id] = true
		}
	}
	m.st = newState(m.cfg.State, m.log)
}

// SetHalted turns the kill switch of a trader or a firm on or off. Call it
// when the entry that records the change is committed.
func (m *Monitor) SetHalted(scope Scope, id string, halted bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if halted {
		m.halt[haltKey{scope, id}] = true
	} else {
		delete(m.halt, haltKey{scope, id})
	}
}

// SetFrozen freezes or releases an account (plain identifier). Call it
// when the entry that records the containment is committed.
func (m *Monitor) SetFrozen(account string, frozen bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if frozen {
		m.froze[account] = true
	} else {
		delete(m.froze, account)
	}
}

// traderLimits returns the firm and single-order limits that apply to a
// trader.
func (m *Monitor) traderLimits(trader string) (firm string, notional decimal.Decimal, maxQty int64) {
	t := m.cfg.Traders[trader]
	notional, maxQty = m.cfg.Orders.Notional.Limit.Decimal, m.cfg.Orders.Size.MaxQty
	if t.Notional.IsPositive() {
		notional = t.Notional.Decimal
	}
	if t.MaxQty > 0 {
		maxQty = t.MaxQty
	}
	return t.Firm, notional, maxQty
}

// creditLimit returns the aggregate open-notional limit of an account.
func (m *Monitor) creditLimit(account string) decimal.Decimal {
	if a := m.cfg.Accounts[account]; a.Credit.IsPositive() {
		return a.Credit.Decimal
	}
	return m.cfg.Orders.Credit.Limit.Decimal
}

// capitalLimit returns the aggregate open-notional limit of a firm.
func (m *Monitor) capitalLimit(firm string) decimal.Decimal {
	if f := m.cfg.Firms[firm]; f.Capital.IsPositive() {
		return f.Capital.Decimal
	}
	return m.cfg.Orders.Capital.Limit.Decimal
}

// builtinRules names the built-in rules, which custom rules may not reuse.
var builtinRules = func() map[string]bool {
	names := map[string]bool{"well_formed": true}
	for _, r := range orderRules {
		names[r.name] = true
	}
	for _, r := range paymentRules {
		names[r.name] = true
	}
	return names
}()

// enabled counts the actions that are not Off.
func enabled(acts []Action) int {
	n := 0
	for _, a := range acts {
		if a != Off {
			n++
		}
	}
	return n
}
