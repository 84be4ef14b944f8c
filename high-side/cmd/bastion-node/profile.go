package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
)

// defaultGCPercent is the garbage collector's target when GOGC is not set.
// A node allocates briefly for every submission and keeps a modest live
// heap, so collecting at 4x the live heap instead of 2x halves the time
// spent collecting for some hundreds of megabytes; GOMEMLIMIT, when set,
// still caps it.
const defaultGCPercent = 400

// tuneGC applies defaultGCPercent unless the operator chose with GOGC.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
}

// startProfile writes a CPU profile of this process to path until the
// returned stop runs. An empty path profiles nothing. If path names an
// existing directory the file inside it is named after the process id, so
// that several nodes started with the same BASTION_CPUPROFILE keep apart.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, fmt.Sprintf("bastion-node-%d.prof", os.Getpid()))
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("failed to create the CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("failed to start the CPU profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
