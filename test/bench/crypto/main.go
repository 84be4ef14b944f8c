// Command crypto measures hybrid signing through the HSM pool and drills a
// token failure. It makes its own key ceremony in a temporary directory,
// with three SoftHSM instances loaded from separate copies of the library,
// and writes bench-results/crypto.json:
//
//	go run ./test/bench/crypto [-out bench-results/crypto.json]
//
// Figures (see README.md for how each is measured):
//
//   - hybrid_signs_per_s_1_token, hybrid_signs_per_s_3_tokens: complete
//     composite signatures per second of wall time from parallel callers.
//   - verify_per_s: composite verifications per second, parallel.
//   - failover: 10,000 signatures from parallel callers while one token's
//     SoftHSM instance is finalised part-way through and initialised again
//     after an outage; failed_signatures must be 0.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"
)

// options are the program's flags.
type options struct {
	out        string
	module     string
	workers    int
	benchSigs  int
	rounds     int
	cpuProfile string
	verifies   int
	drillSigs  int
	faultAfter int
	outage     time.Duration
	keep       bool
}

func main() {
	var o options
	flag.StringVar(&o.out, "out", "bench-results/crypto.json", "result file")
	flag.StringVar(&o.module, "module", "/usr/lib/softhsm/libsofthsm2.so", "SoftHSM library to copy per token")
	flag.IntVar(&o.workers, "workers", 8, "parallel callers")
	flag.IntVar(&o.benchSigs, "bench-signatures", 2000, "signatures per throughput round")
	flag.IntVar(&o.rounds, "rounds", 5, "turns of the 1-token and 3-token pools; each reports its median")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.IntVar(&o.verifies, "verifies", 10000, "verifications for verify_per_s")
	flag.IntVar(&o.drillSigs, "signatures", 10000, "signatures in the failover drill")
	flag.IntVar(&o.faultAfter, "fault-after", 3000, "signatures started before the fault")
	flag.DurationVar(&o.outage, "outage", 500*time.Millisecond, "how long the failed instance stays finalised")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary ceremony directory")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	stop, err := startProfile(o.cpuProfile)
	if err != nil {
		logger.Error("failed to start the CPU profile", slog.String("error", err.Error()))
		os.Exit(1)
	}
	res, err := run(context.Background(), o, logger)
	stop()
	if err != nil {
		logger.Error("crypto bench failed", slog.String("error", err.Error()))
		os.Exit(1)
	}
	if err := writeJSON(o.out, res); err != nil {
		logger.Error("failed to write results", slog.String("error", err.Error()))
		os.Exit(1)
	}
	fmt.Printf("hybrid_signs_per_s_1_token %.0f\nhybrid_signs_per_s_3_tokens %.0f\nverify_per_s %.0f\n"+
		"failover signatures %d failed_signatures %d recovery_ms %.1f token_up_ms %.1f\nwrote %s\n",
		res.Signs1, res.Signs3, res.VerifyPerS, res.Failover.Signatures, res.Failover.Failed,
		res.Failover.RecoveryMS, res.Failover.TokenUpMS, o.out)
	if res.Failover.Failed != 0 {
		os.Exit(2)
	}
}

// startProfile starts a CPU profile into path, if not empty, and returns
// the function that ends it.
func startProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// writeJSON writes v to path, creating its directory.
func writeJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
