// Command guard measures the low-side guard's throughput on genuine signed
// batches and writes bench-results/guard.json:
//
//	go run ./test/bench/guard [-out bench-results/guard.json] [-batches 60]
//	    [-entries 1000] [-rounds 3] [-cpuprofile file]
//
// Batches of full order entries are built and signed in memory by an
// in-memory high side (package guardtest), then offered to a real guard
// (all nine stages, bbolt archive, guard log and export directory in a
// temporary folder, every fsync on) through Guard.Enqueue, as the diode
// receiver delivers them. The run is made once with GOMAXPROCS=1 (the
// per-core figures) and once with the default.
//
// Each run has two parts, each on a fresh guard:
//
//   - throughput, rounds times: every batch offered back to back (a
//     burst), timed from the first offer until the last batch is archived,
//     logged and published; the median round by wall time is kept;
//   - latency: one batch offered every entries/50,000 seconds (the target
//     rate), each timed from its arrival to its acceptance; a guard that
//     falls behind the rate shows it as growing latencies.
//
// Figures, per run:
//
//   - entries_per_s: full entries accepted per second of wall time;
//   - entries_per_cpu_s: the same per second of process CPU time (user and
//     system, every thread), which other work on the machine does not
//     distort;
//   - batch_p50_ms, batch_p99_ms, batch_max_ms: latency at the target rate;
//   - load_before, load_after: the 1-minute load average.
//
// The headline entries_per_s is per core: entries per CPU second of the
// GOMAXPROCS=1 run (entries_per_s_basis says so). It counts the CPU time
// of every stage, the commits' system calls and the garbage collector,
// but not the time spent waiting for fsync, which the pipeline overlaps
// with checking the next batches; wall_entries_per_s, the same run's
// wall-time figure, shows the wait and the machine's load. batch_p99_ms
// is the GOMAXPROCS=1 run's latency at the target rate.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"
)

// options are the program's flags.
type options struct {
	out     string
	batches int
	entries int
	rounds  int
	keep    bool
	profile string
}

func main() {
	var o options
	flag.StringVar(&o.out, "out", "bench-results/guard.json", "result file")
	flag.IntVar(&o.batches, "batches", 60, "batches per run")
	flag.IntVar(&o.entries, "entries", 1000, "full order entries per batch")
	flag.IntVar(&o.rounds, "rounds", 3, "throughput rounds per run; the median is kept")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary state and export folders")
	flag.StringVar(&o.profile, "cpuprofile", "", "write a CPU profile of the runs to this file")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	stop, err := startProfile(o.profile)
	if err != nil {
		logger.Error("guard bench failed", slog.String("error", err.Error()))
		os.Exit(1)
	}
	res, err := run(o, logger)
	stop()
	if err != nil {
		logger.Error("guard bench failed", slog.String("error", err.Error()))
		os.Exit(1)
	}
	if err := write(o.out, res); err != nil {
		logger.Error("guard bench failed", slog.String("error", err.Error()))
		os.Exit(1)
	}
	fmt.Printf("per core: %.0f entries per CPU second (%.0f per wall second), p99 %.1f ms at %.0f entries/s; "+
		"%d cores: %.0f entries/s wall, p99 %.1f ms; load %.2f\n",
		res.PerCore.EntriesPerCPUS, res.PerCore.EntriesPerS, res.PerCore.BatchP99Ms, res.PerCore.PacedPerS,
		res.Default.GOMAXPROCS, res.Default.EntriesPerS, res.Default.BatchP99Ms, res.Default.LoadBefore)
}

// result is the content of guard.json.
type result struct {
	Time           time.Time `json:"time"`
	GoVersion      string    `json:"go_version"`
	CPUs           int       `json:"cpus"`
	Batches        int       `json:"batches"`
	EntriesPer     int       `json:"entries_per_batch"`
	BatchBytes     int       `json:"batch_bytes_mean"`
	EntriesPerS    float64   `json:"entries_per_s"` // per CPU second, GOMAXPROCS=1
	Basis          string    `json:"entries_per_s_basis"`
	WallPerS       float64   `json:"wall_entries_per_s"` // per wall second, GOMAXPROCS=1
	BatchP99Ms     float64   `json:"batch_p99_ms"`       // GOMAXPROCS=1, target rate
	TargetPerS     float64   `json:"target_entries_per_s"`
	TargetP99Ms    float64   `json:"target_batch_p99_ms"`
	MeetsPerS      bool      `json:"meets_entries_per_s"`
	MeetsP99       bool      `json:"meets_batch_p99"`
	PerCore        runResult `json:"per_core"`
	Default        runResult `json:"default_gomaxprocs"`
	LoadAvgAtStart []float64 `json:"load_average_at_start"`
}

// Targets from the throughput requirement.
const (
	targetPerS  = 50000
	targetP99Ms = 1000
)

func run(o options, logger *slog.Logger) (*result, error) {
	res := &result{Time: time.Now().UTC(), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(),
		Batches: o.batches, EntriesPer: o.entries, TargetPerS: targetPerS, TargetP99Ms: targetP99Ms,
		LoadAvgAtStart: loadAverage()}
	logger.Info("building signed batches", slog.Int("batches", o.batches), slog.Int("entries", o.entries))
	w, err := buildWorkload(o.batches, o.entries)
	if err != nil {
		return nil, err
	}
	res.BatchBytes = w.meanBytes()
	procs := runtime.GOMAXPROCS(0)
	for _, r := range []struct {
		procs int
		dst   *runResult
	}{{1, &res.PerCore}, {procs, &res.Default}} {
		logger.Info("running", slog.Int("gomaxprocs", r.procs))
		prev := runtime.GOMAXPROCS(r.procs)
		*r.dst, err = measure(w, o.rounds, o.keep)
		runtime.GOMAXPROCS(prev)
		if err != nil {
			return nil, err
		}
		r.dst.GOMAXPROCS = r.procs
	}
	res.EntriesPerS, res.WallPerS = res.PerCore.EntriesPerCPUS, res.PerCore.EntriesPerS
	res.Basis = "entries per CPU second (user+system, all threads), GOMAXPROCS=1, median of rounds"
	res.BatchP99Ms = res.PerCore.BatchP99Ms
	res.MeetsPerS, res.MeetsP99 = res.EntriesPerS >= targetPerS, res.BatchP99Ms <= targetP99Ms
	return res, nil
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

func write(path string, res *result) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("failed to create result folder: %w", err)
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
