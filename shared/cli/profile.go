package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
)

// ProfileEnv names a folder: when it is set, Execute writes a CPU profile
// of the whole run of the command to <folder>/<name>-<pid>.prof, for
// diagnosing where a process spends its time (the benchmarks use it).
const ProfileEnv = "BASTION_CPUPROFILE"

// startProfile starts the CPU profile ProfileEnv asks for, if any, and
// returns what stops it. A profile that cannot start is reported on
// stderr and the command runs without it.
func startProfile(name string, report func(error)) func() {
	dir := os.Getenv(ProfileEnv)
	if dir == "" {
		return func() {}
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%d.prof", name, os.Getpid()))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		report(fmt.Errorf("%s: %w", ProfileEnv, err))
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		report(fmt.Errorf("%s: %w", ProfileEnv, err))
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}
