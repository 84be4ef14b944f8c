// Command guard measures the low-side guard's throughput on genuine signed
// batches and writes bench-results/guard.json:
//
//	go run ./test/bench/guard [-out bench-results/guard.json] [-batches 60] [-entries 1000]
//
// Batches of full order entries are built and signed in memory by an
// in-memory high side (package guardtest), then submitted back to back to
// a real guard (all nine stages, bbolt archive, guard log and export
// directory in a temporary folder, every fsync on). The run is made once
// with GOMAXPROCS=1 (the per-core figure) and once with the default.
//
// Figures, per run:
//
//   - entries_per_s: full entries accepted per second of wall time;
//   - entries_per_cpu_s: the same per second of process CPU time (user and
//     system), which a busy machine does not distort;
//   - batch_p50_ms, batch_p99_ms, batch_max_ms: time from a batch's
//     arrival (its Submit call, the queue being empty) to its acceptance:
//     archived, logged and published, all durable;
//   - load_before, load_after: the 1-minute load average, since other work
//     on the machine lowers the wall-time figures.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// options are the program's flags.
type options struct {
	out     string
	batches int
	entries int
	keep    bool
}

func main() {
	var o options
	flag.StringVar(&o.out, "out", "bench-results/guard.json", "result file")
	flag.IntVar(&o.batches, "batches", 60, "batches per run")
	flag.IntVar(&o.entries, "entries", 1000, "full order entries per batch")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary state and export folders")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	res, err := run(o, logger)
	if err != nil {
		logger.Error("guard bench failed", slog.String("error", err.Error()))
		os.Exit(1)
	}
	if err := write(o.out, res); err != nil {
		logger.Error("guard bench failed", slog.String("error", err.Error()))
		os.Exit(1)
	}
	fmt.Printf("per core: %.0f entries/s (%.0f per CPU second), p99 %.1f ms; %d cores: %.0f entries/s; load %.2f\n",
		res.PerCore.EntriesPerS, res.PerCore.EntriesPerCPUS, res.PerCore.BatchP99Ms,
		res.Default.GOMAXPROCS, res.Default.EntriesPerS, res.Default.LoadBefore)
}

// result is the content of guard.json.
type result struct {
	Time           time.Time `json:"time"`
	GoVersion      string    `json:"go_version"`
	CPUs           int       `json:"cpus"`
	Batches        int       `json:"batches"`
	EntriesPer     int       `json:"entries_per_batch"`
	BatchBytes     int       `json:"batch_bytes_mean"`
	EntriesPerS    float64   `json:"entries_per_s"` // per core (GOMAXPROCS=1)
	BatchP99Ms     float64   `json:"batch_p99_ms"`  // per core run
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
		*r.dst, err = measure(w, o.keep)
		runtime.GOMAXPROCS(prev)
		if err != nil {
			return nil, err
		}
		r.dst.GOMAXPROCS = r.procs
	}
	res.EntriesPerS, res.BatchP99Ms = res.PerCore.EntriesPerS, res.PerCore.BatchP99Ms
	res.MeetsPerS, res.MeetsP99 = res.EntriesPerS >= targetPerS, res.BatchP99Ms <= targetP99Ms
	return res, nil
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
