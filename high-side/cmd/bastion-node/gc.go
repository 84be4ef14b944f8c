package main

import (
	"os"
	"runtime/debug"
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
