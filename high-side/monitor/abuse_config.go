package monitor

import (
	"fmt"
	"time"
	_ "time/tzdata" // close times are given in a named zone; the appliance image carries no zone files

	"github.com/shopspring/decimal"
)

// SpoofingRule fires when a trader cancels an order of at least MinQty
// within Window of placing it, having traded the other side of the same
// symbol while it was open, and the cancelled quantity is at least Ratio
// times the quantity traded on the other side.
type SpoofingRule struct {
	Action Action   `toml:"action"`
	Window Duration `toml:"window"`
	MinQty int64    `toml:"min_qty"`
	Ratio  Amount   `toml:"ratio"`
}

// LayeringRule fires when a trader's orders on one side of a symbol, placed
// and cancelled within Window, rest at Levels or more distinct prices and
// add up to at least MinQty, while the trader traded the other side within
// Window (when Opposite is set).
type LayeringRule struct {
	Action   Action   `toml:"action"`
	Window   Duration `toml:"window"`
	Levels   int      `toml:"levels"`
	MinQty   int64    `toml:"min_qty"`
	Opposite bool     `toml:"require_opposite_trade"`
}

// QuoteStuffingRule fires when a trader sends more than Max order messages
// (any event) in one symbol within Window, this one included. It alerts at
// most once per trader and symbol per Window.
type QuoteStuffingRule struct {
	Action Action   `toml:"action"`
	Window Duration `toml:"window"`
	Max    int      `toml:"max"`
}

// CancelRatioRule fires when, within Window, a trader has entered at least
// MinOrders new orders in one symbol and cancelled more than MaxCancel (0
// to 1) of them, or entered more than MaxOrderTrade new orders per
// execution. It alerts at most once per trader and symbol per Window.
type CancelRatioRule struct {
	Action        Action   `toml:"action"`
	Window        Duration `toml:"window"`
	MinOrders     int      `toml:"min_orders"`
	MaxCancel     Amount   `toml:"max_cancel_ratio"`
	MaxOrderTrade Amount   `toml:"max_order_to_trade"`
}

// WashTradeRule fires on an execution that meets, within Window, an
// execution on the other side of the same symbol at the same price and
// quantity whose trader has the same beneficial owner (TraderConfig.Owner,
// else the trader itself).
type WashTradeRule struct {
	Action Action   `toml:"action"`
	Window Duration `toml:"window"`
}

// MarkingCloseRule fires on an aggressive new or amended order of at least
// MinQty entered within Window before the close (Close, "15:04" in Zone):
// a market order, a buy priced more than Percent above the reference price
// or a sell priced more than Percent below it.
type MarkingCloseRule struct {
	Action  Action   `toml:"action"`
	Close   string   `toml:"close"`
	Zone    string   `toml:"zone"`
	Window  Duration `toml:"window"`
	Percent Amount   `toml:"percent"`
	MinQty  int64    `toml:"min_qty"`
}

// FrontRunningRule fires when a proprietary or employee order (see
// TraderConfig.Category) and a client order of at least MinQty, same
// symbol and side, are entered within Window of each other with the client
// order still open: the other order trades ahead of the client's.
type FrontRunningRule struct {
	Action Action   `toml:"action"`
	Window Duration `toml:"window"`
	MinQty int64    `toml:"min_qty"`
}

// InsiderRule fires when a trader mapped to an insider (TraderConfig.Insider,
// a reporting owner's CIK or name) orders an issuer the insider reports on
// within Days before one of Events in that issuer. The insiders are the
// reporting owners of the Form 4 files (*.xml) in Form4Dir and Insiders.
type InsiderRule struct {
	Action   Action          `toml:"action"`
	Days     int             `toml:"days"`
	Form4Dir string          `toml:"form4_dir"`
	Events   []CalendarEvent `toml:"events"`
	Insiders []InsiderConfig `toml:"insiders"`
}

// CalendarEvent is a price-sensitive event of an issuer: results, a deal,
// a filing. Date is "2006-01-02" in the issuer's market.
type CalendarEvent struct {
	Symbol string `toml:"symbol"`
	Date   string `toml:"date"`
	Note   string `toml:"note"`
}

// InsiderConfig names an insider of an issuer outside any Form 4 file.
type InsiderConfig struct {
	ID     string `toml:"id"` // CIK or name, as TraderConfig.Insider refers to it
	Symbol string `toml:"symbol"`
}

// Trader categories for the front-running rule.
const (
	CategoryClient       = "client"
	CategoryProprietary  = "proprietary"
	CategoryEmployee     = "employee"
	maxMarketWindow      = 24 * time.Hour
	maxInsiderDays       = 366
	maxCalendarEvents    = 100_000
	calendarDateLayout   = "2006-01-02"
	closeTimeLayout      = "15:04"
	maxLayeringLevels    = 16
	maxStuffingMessages  = 1_000_000
	maxCancelRatioOrders = 1_000_000
	maxRatio             = 1_000_000 // bound of ratio parameters, so basis points fit int64
	defaultMaxMarket     = 20_000
)

// SurveillanceConfig returns the built-in pack with the market-abuse
// detectors and the account-network AML rules (repeat_payee, split_amount)
// turned on at review, with the parameters the built-in pack gives them.
// The built-in pack keeps them off until a desk configures its owners,
// trader categories, close and event calendar.
func SurveillanceConfig() Config {
	c := DefaultConfig()
	c.Version = "builtin-2025.1+surveillance"
	o, p := &c.Orders, &c.Payments
	for _, a := range []*Action{
		&o.Spoofing.Action, &o.Layering.Action, &o.QuoteStuffing.Action, &o.CancelRatio.Action,
		&o.WashTrade.Action, &o.MarkingClose.Action, &o.FrontRunning.Action, &o.Insider.Action,
		&p.RepeatPayee.Action, &p.SplitAmount.Action,
	} {
		*a = Review
	}
	return c
}

func (r SpoofingRule) validate() error {
	if err := r.Action.validate(); err != nil || r.Action == Off {
		return err
	}
	if err := checkWindow(r.Window); err != nil {
		return err
	}
	if r.MinQty < 1 || !r.Ratio.IsPositive() || r.Ratio.GreaterThan(decimal.NewFromInt(maxRatio)) {
		return fmt.Errorf("min_qty must be positive and ratio in (0, %d]", maxRatio)
	}
	return nil
}

func (r LayeringRule) validate() error {
	if err := r.Action.validate(); err != nil || r.Action == Off {
		return err
	}
	if err := checkWindow(r.Window); err != nil {
		return err
	}
	if r.Levels < 2 || r.Levels > maxLayeringLevels || r.MinQty < 1 {
		return fmt.Errorf("levels must be 2 to %d and min_qty positive", maxLayeringLevels)
	}
	return nil
}

func (r QuoteStuffingRule) validate() error {
	if err := r.Action.validate(); err != nil || r.Action == Off {
		return err
	}
	if err := checkWindow(r.Window); err != nil {
		return err
	}
	if r.Max < 1 || r.Max > maxStuffingMessages {
		return fmt.Errorf("max must be 1 to %d", maxStuffingMessages)
	}
	return nil
}

func (r CancelRatioRule) validate() error {
	if err := r.Action.validate(); err != nil || r.Action == Off {
		return err
	}
	if err := checkWindow(r.Window); err != nil {
		return err
	}
	one := decimal.NewFromInt(1)
	switch {
	case r.MinOrders < 1 || r.MinOrders > maxCancelRatioOrders:
		return fmt.Errorf("min_orders must be 1 to %d", maxCancelRatioOrders)
	case !r.MaxCancel.IsPositive() || r.MaxCancel.GreaterThan(one):
		return fmt.Errorf("max_cancel_ratio must be in (0, 1]")
	case r.MaxOrderTrade.LessThan(one) || r.MaxOrderTrade.GreaterThan(decimal.NewFromInt(maxRatio)):
		return fmt.Errorf("max_order_to_trade must be 1 to %d", maxRatio)
	}
	return nil
}

func (r WashTradeRule) validate() error {
	if err := r.Action.validate(); err != nil || r.Action == Off {
		return err
	}
	return checkWindow(r.Window)
}

func (r MarkingCloseRule) validate() error {
	if err := r.Action.validate(); err != nil || r.Action == Off {
		return err
	}
	if _, err := time.Parse(closeTimeLayout, r.Close); err != nil {
		return fmt.Errorf("close: %q is not a time of day like \"16:00\"", clip(r.Close))
	}
	if _, err := time.LoadLocation(r.Zone); err != nil || r.Zone == "" {
		return fmt.Errorf("zone: %q is not a time zone name like \"America/New_York\"", clip(r.Zone))
	}
	if err := checkWindow(r.Window); err != nil {
		return err
	}
	if r.Percent.IsNegative() || r.MinQty < 1 {
		return fmt.Errorf("percent must not be negative and min_qty must be positive")
	}
	return nil
}

func (r FrontRunningRule) validate() error {
	if err := r.Action.validate(); err != nil || r.Action == Off {
		return err
	}
	if err := checkWindow(r.Window); err != nil {
		return err
	}
	if r.MinQty < 1 {
		return fmt.Errorf("min_qty must be positive")
	}
	return nil
}

func (r InsiderRule) validate() error {
	if err := r.Action.validate(); err != nil || r.Action == Off {
		return err
	}
	if r.Days < 1 || r.Days > maxInsiderDays {
		return fmt.Errorf("days must be 1 to %d", maxInsiderDays)
	}
	if len(r.Events) > maxCalendarEvents {
		return fmt.Errorf("events: %d, at most %d", len(r.Events), maxCalendarEvents)
	}
	for i, e := range r.Events {
		if !validSymbol(e.Symbol) {
			return fmt.Errorf("events[%d].symbol: malformed symbol %q", i, clip(e.Symbol))
		}
		if _, err := time.Parse(calendarDateLayout, e.Date); err != nil {
			return fmt.Errorf("events[%d].date: %q is not a date like \"2025-01-31\"", i, clip(e.Date))
		}
	}
	for i, in := range r.Insiders {
		if err := checkID(fmt.Sprintf("insiders[%d].id", i), in.ID); err != nil {
			return err
		}
		if !validSymbol(in.Symbol) {
			return fmt.Errorf("insiders[%d].symbol: malformed symbol %q", i, clip(in.Symbol))
		}
	}
	return nil
}

// checkWindow bounds a market-abuse window: positive and at most a day.
func checkWindow(w Duration) error {
	if w.Duration <= 0 || w.Duration > maxMarketWindow {
		return fmt.Errorf("window must be positive and at most %s", maxMarketWindow)
	}
	return nil
}

// validCategory reports whether c is a trader category ("" is a client).
func validCategory(c string) bool {
	switch c {
	case "", CategoryClient, CategoryProprietary, CategoryEmployee:
		return true
	}
	return false
}
