// Command monitor measures the monitor's decisions in process on one core
// and scores the backtest, writing bench-results/monitor.json:
//
//	go run ./test/bench/monitor [-out bench-results/monitor.json] [-n 100000]
//
// GOMAXPROCS is set to 1, and the collector target to bastion-node's
// (GOGC=400) unless GOGC is set. Inputs are generated before timing starts
// (replay.Generator, seeded): a monitor is warmed by committing 20,000
// orders and 20,000 payments, then decides n pre-generated submissions,
// orders and payments alternately, without observing them (deciding never
// changes state). Figures:
//
//   - decisions_per_s: decisions back to back, per second of wall time.
//   - decision_p50_us, decision_p99_us, decision_p999_us: latency of each
//     decision in a run paced at 50,000 per second, from its scheduled
//     arrival (fixed before the run) to the end of DecideOrder or
//     DecidePayment. A decision that waits behind a slow one counts the
//     wait, so falling behind shows here.
//   - service_p50_us, service_p99_us, service_p999_us: in the same run,
//     the time of the call alone, without the wait.
//   - max_paced_rate_per_s: the highest offered rate of 25,000, 50,000,
//     75,000, 100,000, 125,000, ... 300,000 per second at which the
//     decision p99 is at most 1 ms (0 if none), tried in that order.
//   - cpu_ns_per_decision: process CPU time per decision in the
//     back-to-back run (garbage collection included); unlike
//     decisions_per_s it holds when other processes load the machine.
//   - allocs_per_decision, bytes_per_decision: heap allocations, from the
//     back-to-back run.
//   - baseline_*: the same back-to-back figures for the built-in pack
//     (market-abuse and account-network rules off), measured in the same
//     run, so the cost of the surveillance rules reads as a ratio on a
//     loaded machine.
//   - paysim_precision, paysim_recall, amlsim_account_precision,
//     amlsim_account_recall: from the backtest (bastion/high-side/monitor/
//     backtest) with monitor.SurveillanceConfig.
//   - e2e_ack_p99_ms, e2e_acknowledged_orders_per_s: copied from the
//     end-to-end bench's results (-e2e, bench-results/e2e.json), which
//     `make bench-monitor` runs first at 5,000 orders/s through the
//     three-node appliance; null without -e2e.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"time"

	"bastion/high-side/monitor"
	"bastion/high-side/monitor/backtest"
	"bastion/high-side/replay"
)

// Results is the content of monitor.json.
type Results struct {
	GOMAXPROCS             int      `json:"gomaxprocs"`
	GOGC                   string   `json:"gogc"`
	Decisions              int      `json:"decisions"`
	RulePack               string   `json:"rule_pack"`
	DecisionsPerS          float64  `json:"decisions_per_s"`
	CPUNsPerDecision       float64  `json:"cpu_ns_per_decision"`
	AllocsPerDecision      float64  `json:"allocs_per_decision"`
	BytesPerDecision       float64  `json:"bytes_per_decision"`
	BaselineRulePack       string   `json:"baseline_rule_pack"`
	BaselineDecisionsPerS  float64  `json:"baseline_decisions_per_s"`
	BaselineCPUNsPerDec    float64  `json:"baseline_cpu_ns_per_decision"`
	BaselineAllocsPerDec   float64  `json:"baseline_allocs_per_decision"`
	PacedRatePerS          int      `json:"paced_rate_per_s"`
	DecisionP50us          float64  `json:"decision_p50_us"`
	DecisionP99us          float64  `json:"decision_p99_us"`
	DecisionP999us         float64  `json:"decision_p999_us"`
	ServiceP50us           float64  `json:"service_p50_us"`
	ServiceP99us           float64  `json:"service_p99_us"`
	ServiceP999us          float64  `json:"service_p999_us"`
	MaxPacedRatePerS       int      `json:"max_paced_rate_per_s"`
	PaySimPrecision        float64  `json:"paysim_precision"`
	PaySimRecall           float64  `json:"paysim_recall"`
	AMLSimAccountPrecision float64  `json:"amlsim_account_precision"`
	AMLSimAccountRecall    float64  `json:"amlsim_account_recall"`
	AMLSimAccountF1        float64  `json:"amlsim_account_f1"`
	E2EAckP99ms            *float64 `json:"e2e_ack_p99_ms"`
	E2EScheduledPerS       *float64 `json:"e2e_scheduled_orders_per_s"`
	E2EAcknowledgedPerS    *float64 `json:"e2e_acknowledged_orders_per_s"`
	E2EP99IsLowerBound     bool     `json:"e2e_p99_is_lower_bound,omitempty"`
	E2ESource              string   `json:"e2e_source,omitempty"`
}

// readE2E copies the end-to-end figures from the file the end-to-end
// bench wrote.
func readE2E(path string, res *Results) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("-e2e: %w (make bench-e2e writes it)", err)
	}
	var e struct {
		P99          *float64 `json:"e2e_ack_p99_ms"`
		Scheduled    *float64 `json:"scheduled_orders_per_s"`
		Acknowledged *float64 `json:"acknowledged_orders_per_s"`
		LowerBound   bool     `json:"p99_is_lower_bound"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		return fmt.Errorf("-e2e %s: %w", path, err)
	}
	if e.P99 == nil || e.Scheduled == nil || e.Acknowledged == nil {
		return fmt.Errorf("-e2e %s: e2e_ack_p99_ms, scheduled_orders_per_s or acknowledged_orders_per_s missing", path)
	}
	res.E2EAckP99ms, res.E2EScheduledPerS, res.E2EAcknowledgedPerS = e.P99, e.Scheduled, e.Acknowledged
	res.E2EP99IsLowerBound, res.E2ESource = e.LowerBound, path
	return nil
}

const pacedRate = 50_000

// nodeGCPercent is bastion-node's garbage collector target when GOGC is
// not set (high-side/cmd/bastion-node).
const nodeGCPercent = 400

func main() {
	out := flag.String("out", filepath.Join("bench-results", "monitor.json"), "output file")
	n := flag.Int("n", 100_000, "decisions per run")
	data := flag.String("data", replay.DataDir(), "data folder for the backtest")
	prof := flag.String("cpuprofile", "", "write a CPU profile of the back-to-back runs to this file")
	memProf := flag.String("memprofile", "", "write a profile of every allocation of the back-to-back runs to this file")
	scores := flag.Bool("backtest", true, "score the backtest (false leaves the detection figures at 0)")
	e2e := flag.String("e2e", "", "end-to-end results to copy the acknowledgement figures from (bench-results/e2e.json)")
	flag.Parse()
	if !*scores {
		*data = ""
	}
	if err := run(*out, *n, *data, *e2e, profiles{cpu: *prof, mem: *memProf}); err != nil {
		fmt.Fprintln(os.Stderr, "monitor bench:", err)
		os.Exit(1)
	}
}

// profiles names the files the profiles of the back-to-back runs go to;
// empty means none.
type profiles struct{ cpu, mem string }

func run(out string, n int, data, e2e string, prof profiles) error {
	runtime.GOMAXPROCS(1)
	// The monitor runs inside bastion-node, whose collector target is 400
	// unless GOGC says otherwise: measure it under the same setting.
	gogc := os.Getenv("GOGC")
	if gogc == "" {
		debug.SetGCPercent(nodeGCPercent)
		gogc = strconv.Itoa(nodeGCPercent)
	}
	res := Results{GOMAXPROCS: runtime.GOMAXPROCS(0), GOGC: gogc, Decisions: n, PacedRatePerS: pacedRate}
	if e2e != "" {
		if err := readE2E(e2e, &res); err != nil {
			return err
		}
	}

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
	stop, err := startProfile(prof.cpu)
	if err != nil {
		return err
	}
	stopMem := startMemProfile(prof.mem)
	bt := base.backToBack()
	st := surv.backToBack()
	stop()
	if err := stopMem(); err != nil {
		return err
	}
	res.BaselineDecisionsPerS, res.BaselineCPUNsPerDec, res.BaselineAllocsPerDec = bt.perS, bt.cpuNs, bt.allocs
	res.DecisionsPerS, res.CPUNsPerDecision = st.perS, st.cpuNs
	res.AllocsPerDecision, res.BytesPerDecision = st.allocs, st.bytes
	p := surv.paced(pacedRate)
	res.DecisionP50us, res.DecisionP99us, res.DecisionP999us = p.latency[0], p.latency[1], p.latency[2]
	res.ServiceP50us, res.ServiceP99us, res.ServiceP999us = p.service[0], p.service[1], p.service[2]
	res.MaxPacedRatePerS = surv.maxRate(time.Millisecond)

	// Detection figures from the backtest.
	if data == "" {
		return write(out, res)
	}
	r, err := backtest.Run(backtest.Options{DataDir: data, Config: monitor.SurveillanceConfig()})
	if err != nil {
		return err
	}
	res.PaySimPrecision, res.PaySimRecall = r.PaySim.Score.Precision, r.PaySim.Score.Recall
	res.AMLSimAccountPrecision, res.AMLSimAccountRecall = r.AMLSim.Score.Precision, r.AMLSim.Score.Recall
	res.AMLSimAccountF1 = r.AMLSim.Score.F1
	return write(out, res)
}

// startProfile starts a CPU profile into path, if set, and returns the
// function that stops it.
func startProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("failed to create profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("failed to start profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// startMemProfile records every allocation from now on, if path is set,
// and returns the function that writes the profile to path.
func startMemProfile(path string) func() error {
	if path == "" {
		return func() error { return nil }
	}
	runtime.MemProfileRate = 1
	return func() error {
		runtime.MemProfileRate = 0
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("failed to create memory profile: %w", err)
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			return fmt.Errorf("failed to write memory profile: %w", err)
		}
		return nil
	}
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
