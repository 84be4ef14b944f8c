// Package backtest replays the shipped data sets through the monitor, as
// the leader would decide and the state machine would observe them, and
// scores the alerts against the data sets' labels.
//
// Each data set is replayed through a fresh Monitor in timestamp order
// (file order among equal times): every submission is decided, then
// observed at its own time, so each decision sees only what was committed
// before it. Scores:
//
//   - LOBSTER: no labels; the alerts per rule and reason code are reported.
//     Every real event is a negative for the market-abuse rules.
//   - PaySim: per transaction, a decision other than accept against isFraud.
//   - AMLSim: per account, an account implicated by an alert (see Roles)
//     against the isFraud of nodes.csv.
package backtest

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"time"

	"bastion/high-side/intake"
	"bastion/high-side/monitor"
	"bastion/high-side/replay"
)

// Options says what to replay.
type Options struct {
	// DataDir holds the data sets in the layout of replay.DataDir.
	DataDir string
	// Config is the rule pack; see monitor.SurveillanceConfig.
	Config monitor.Config
	// Logger receives the monitor's lifecycle logs; nil discards.
	Logger *slog.Logger
}

// Report is the outcome of a backtest.
type Report struct {
	RulePack string        `json:"rule_pack"`
	LOBSTER  OrderReport   `json:"lobster"`
	PaySim   PaymentReport `json:"paysim"`
	AMLSim   AccountReport `json:"amlsim"`
	Elapsed  time.Duration `json:"elapsed_ns"`
}

// OrderReport counts the alerts raised on an unlabelled order replay.
type OrderReport struct {
	Events   int            `json:"events"`
	Alerts   int            `json:"alerts"`
	ByRule   map[string]int `json:"by_rule"`
	ByReason map[string]int `json:"by_reason"`
}

// PaymentReport scores a replay per transaction.
type PaymentReport struct {
	Transactions int            `json:"transactions"`
	Score        Score          `json:"score"`
	ByReason     map[string]int `json:"by_reason"`
}

// AccountReport scores a replay per account.
type AccountReport struct {
	Accounts     int            `json:"accounts"`
	Transactions int            `json:"transactions"`
	Flagged      int            `json:"flagged"`
	Score        Score          `json:"score"`
	ByRule       map[string]int `json:"by_rule"` // accounts implicated per rule
}

// Run replays the LOBSTER, PaySim and AMLSim files of opts.DataDir. It
// returns an error naming the file when one is missing or malformed, or
// when the rule pack is invalid.
func Run(opts Options) (Report, error) {
	start := time.Now()
	r := Report{RulePack: opts.Config.Version}
	var err error
	if r.LOBSTER, err = runLOBSTER(opts); err != nil {
		return r, err
	}
	if r.PaySim, err = runPaySim(opts); err != nil {
		return r, err
	}
	if r.AMLSim, err = runAMLSim(opts); err != nil {
		return r, err
	}
	r.Elapsed = time.Since(start)
	return r, nil
}

// newMonitor returns a fresh monitor on the options' pack.
func newMonitor(opts Options) (*monitor.Monitor, error) {
	m, err := monitor.New(opts.Config, opts.Logger)
	if err != nil {
		return nil, fmt.Errorf("failed to start monitor: %w", err)
	}
	return m, nil
}

func runLOBSTER(opts Options) (OrderReport, error) {
	orders, err := replay.LoadLOBSTER(filepath.Join(opts.DataDir, replay.LOBSTERFile))
	if err != nil {
		return OrderReport{}, err
	}
	m, err := newMonitor(opts)
	if err != nil {
		return OrderReport{}, err
	}
	return ReplayOrders(m, orders), nil
}

// ReplayOrders decides and observes orders in timestamp order (stable) and
// counts the alerts raised.
func ReplayOrders(m *monitor.Monitor, orders []intake.Order) OrderReport {
	orders = slices.Clone(orders)
	sortOrders(orders)
	rep := OrderReport{Events: len(orders), ByRule: map[string]int{}, ByReason: map[string]int{}}
	var rec monitor.Record // alerts are counted before the next decision reuses it
	for _, o := range orders {
		at := time.Unix(0, o.Time)
		for _, a := range m.ObserveOrder(o, m.DecideOrderInto(o, at, &rec), at) {
			rep.Alerts++
			rep.ByRule[a.Rule]++
			rep.ByReason[a.Reason]++
		}
	}
	return rep
}

// sortOrders sorts orders by time, keeping file order among equal times.
func sortOrders(orders []intake.Order) {
	slices.SortStableFunc(orders, func(a, b intake.Order) int { return cmpInt(a.Time, b.Time) })
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
