package backtest

import (
	"path/filepath"
	"slices"
	"time"

	"bastion/high-side/intake"
	"bastion/high-side/monitor"
	"bastion/high-side/replay"
	"bastion/shared/entry"
)

func runPaySim(opts Options) (PaymentReport, error) {
	rows, err := replay.LoadPaySim(filepath.Join(opts.DataDir, replay.PaySimFile))
	if err != nil {
		return PaymentReport{}, err
	}
	m, err := newMonitor(opts)
	if err != nil {
		return PaymentReport{}, err
	}
	return ReplayLabelled(m, rows), nil
}

// ReplayLabelled decides and observes payments in timestamp order (stable)
// and scores, per payment, a decision other than accept against its label.
func ReplayLabelled(m *monitor.Monitor, rows []replay.Labeled[intake.Payment]) PaymentReport {
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b replay.Labeled[intake.Payment]) int { return cmpInt(a.Item.Time, b.Item.Time) })
	rep := PaymentReport{Transactions: len(rows), ByReason: map[string]int{}}
	var rec monitor.Record // the decision is scored before the next one reuses it
	for _, r := range rows {
		at := time.Unix(0, r.Item.Time)
		d := m.DecidePaymentInto(r.Item, at, &rec)
		m.ObservePayment(r.Item, d, at)
		rep.Score.add(d.Outcome != entry.Accept, r.Fraud)
		for _, reason := range d.Reasons {
			rep.ByReason[reason]++
		}
	}
	rep.Score.finish()
	return rep
}

func runAMLSim(opts Options) (AccountReport, error) {
	dir := opts.DataDir
	payments, err := replay.LoadAMLSim(filepath.Join(dir, replay.AMLSimFile))
	if err != nil {
		return AccountReport{}, err
	}
	nodes, err := replay.LoadAMLSimNodes(filepath.Join(dir, replay.AMLSimNodesFile))
	if err != nil {
		return AccountReport{}, err
	}
	m, err := newMonitor(opts)
	if err != nil {
		return AccountReport{}, err
	}
	labels := make(map[string]bool, len(nodes))
	for acct, n := range nodes {
		labels[acct] = n.Fraud
	}
	return ReplayAccounts(m, payments, labels), nil
}

// ReplayAccounts decides and observes payments in timestamp order (stable)
// and scores, per account of labels, whether an alert implicated it (see
// Roles) against its label. Accounts outside labels are not scored.
func ReplayAccounts(m *monitor.Monitor, payments []intake.Payment, labels map[string]bool) AccountReport {
	payments = slices.Clone(payments)
	slices.SortStableFunc(payments, func(a, b intake.Payment) int { return cmpInt(a.Time, b.Time) })
	rep := AccountReport{Accounts: len(labels), Transactions: len(payments), ByRule: map[string]int{}}
	flagged := map[string]bool{}
	byRule := map[string]map[string]bool{}
	var rec monitor.Record // alerts are read before the next decision reuses it
	for _, p := range payments {
		at := time.Unix(0, p.Time)
		for _, a := range m.ObservePayment(p, m.DecidePaymentInto(p, at, &rec), at) {
			for _, acct := range implicated(a.Rule, p) {
				flagged[acct] = true
				if byRule[a.Rule] == nil {
					byRule[a.Rule] = map[string]bool{}
				}
				byRule[a.Rule][acct] = true
			}
		}
	}
	for acct, fraud := range labels {
		rep.Score.add(flagged[acct], fraud)
		if flagged[acct] {
			rep.Flagged++
		}
	}
	for rule, accts := range byRule {
		rep.ByRule[rule] = len(accts)
	}
	rep.Score.finish()
	return rep
}
