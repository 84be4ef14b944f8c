// Command monitor measures the monitor's decisions in process on one core
// and scores the backtest, writing bench-results/monitor.json:
//
//	go run ./test/bench/monitor [-out bench-results/monitor.json] [-n 100000]
//
// GOMAXPROCS is set to 1. Inputs are generated before timing starts
// (replay.Generator, seeded): a monitor is warmed by committing 20,000
// orders and 20,000 payments, then decides n pre-generated submissions,
// orders and payments alternately, without observing them (deciding never
// changes state). Figures:
//
//   - decisions_per_s: decisions back to back, per second of wall time.
//   - decision_p50_us, decision_p99_us, decision_p999_us: service time of
//     each decision in a run paced at 50,000 per second (start to end of
//     DecideOrder or DecidePayment).
//   - lateness_p50_us, lateness_p99_us, lateness_p999_us: in the paced run,
//     end of each decision minus its scheduled start: queueing shows here.
//   - allocs_per_decision, bytes_per_decision: heap allocations, from the
//     back-to-back run.
//   - baseline_*: the same back-to-back figures for the built-in pack
//     (market-abuse and account-network rules off), measured in the same
//     run, so the cost of the surveillance rules reads as a ratio on a
//     loaded machine.
//   - paysim_precision, paysim_recall, amlsim_account_precision,
//     amlsim_account_recall: from the backtest (bastion/high-side/monitor/
//     backtest) with monitor.SurveillanceConfig.
//   - e2e_ack_p99_ms: null here; measured through the three-node cluster
//     elsewhere.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"bastion/high-side/monitor"
	"bastion/high-side/monitor/backtest"
	"bastion/high-side/replay"
)

// Results is the content of monitor.json.
type Results struct {
	GOMAXPROCS             int      `json:"gomaxprocs"`
	Decisions              int      `json:"decisions"`
	RulePack               string   `json:"rule_pack"`
	DecisionsPerS          float64  `json:"decisions_per_s"`
	AllocsPerDecision      float64  `json:"allocs_per_decision"`
	BytesPerDecision       float64  `json:"bytes_per_decision"`
	BaselineRulePack       string   `json:"baseline_rule_pack"`
	BaselineDecisionsPerS  float64  `json:"baseline_decisions_per_s"`
	BaselineAllocsPerDec   float64  `json:"baseline_allocs_per_decision"`
	PacedRatePerS          int      `json:"paced_rate_per_s"`
	DecisionP50us          float64  `json:"decision_p50_us"`
	DecisionP99us          float64  `json:"decision_p99_us"`
	DecisionP999us         float64  `json:"decision_p999_us"`
	LatenessP50us          float64  `json:"lateness_p50_us"`
	LatenessP99us          float64  `json:"lateness_p99_us"`
	LatenessP999us         float64  `json:"lateness_p999_us"`
	PaySimPrecision        float64  `json:"paysim_precision"`
	PaySimRecall           float64  `json:"paysim_recall"`
	AMLSimAccountPrecision float64  `json:"amlsim_account_precision"`
	AMLSimAccountRecall    float64  `json:"amlsim_account_recall"`
	AMLSimAccountF1        float64  `json:"amlsim_account_f1"`
	E2EAckP99ms            *float64 `json:"e2e_ack_p99_ms"`
}

const pacedRate = 50_000

func main() {
	out := flag.String("out", filepath.Join("bench-results", "monitor.json"), "output file")
	n := flag.Int("n", 100_000, "decisions per run")
	data := flag.String("data", replay.DataDir(), "data folder for the backtest")
	flag.Parse()
	if err := run(*out, *n, *data); err != nil {
		fmt.Fprintln(os.Stderr, "monitor bench:", err)
		os.Exit(1)
	}
}

func run(out string, n int, data string) error {
	runtime.GOMAXPROCS(1)
	res := Results{GOMAXPROCS: runtime.GOMAXPROCS(0), Decisions: n, PacedRatePerS: pacedRate}

	// Baseline and surveillance back to back, then the paced run.
	base, err := newBench(monitor.DefaultConfig(), n)
	if err != nil {
		return err
	}
	surv, err := newBench(monitor.SurveillanceConfig(), n)
	if err != nil {
		return err
	}
	res.BaselineRulePack, res.RulePack = base.pack, surv.pack
	bt := base.backToBack()
	st := surv.backToBack()
	res.BaselineDecisionsPerS, res.BaselineAllocsPerDec = bt.perS, bt.allocs
	res.DecisionsPerS, res.AllocsPerDecision, res.BytesPerDecision = st.perS, st.allocs, st.bytes
	p := surv.paced(pacedRate)
	res.DecisionP50us, res.DecisionP99us, res.DecisionP999us = p.service[0], p.service[1], p.service[2]
	res.LatenessP50us, res.LatenessP99us, res.LatenessP999us = p.late[0], p.late[1], p.late[2]

	// Detection figures from the backtest.
	r, err := backtest.Run(backtest.Options{DataDir: data, Config: monitor.SurveillanceConfig()})
	if err != nil {
		return err
	}
	res.PaySimPrecision, res.PaySimRecall = r.PaySim.Score.Precision, r.PaySim.Score.Recall
	res.AMLSimAccountPrecision, res.AMLSimAccountRecall = r.AMLSim.Score.Precision, r.AMLSim.Score.Recall
	res.AMLSimAccountF1 = r.AMLSim.Score.F1
	return write(out, res)
}

func write(path string, res Results) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("failed to create %s: %w", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("failed to write results: %w", err)
	}
	os.Stdout.Write(append(b, '\n'))
	return nil
}
