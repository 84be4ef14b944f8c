package cluster

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat times on Linux.
const clockTicks = 100

// CPUTimes maps a process label (node-1, guard, portal, bench) to the CPU
// seconds, user and system, it has used.
type CPUTimes map[string]float64

// ReadCPU reads the CPU time of this process ("bench") and of its direct
// children, labelled by what they run.
func ReadCPU() CPUTimes {
	out := CPUTimes{}
	self := os.Getpid()
	if t, _, ok := procStat(self); ok {
		out["bench"] = t
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil || pid == self {
			continue
		}
		t, ppid, ok := procStat(pid)
		if !ok || ppid != self {
			continue
		}
		out[label(pid)] += t
	}
	return out
}

// Sub returns the CPU seconds used between before and t, rounded.
func (t CPUTimes) Sub(before CPUTimes) CPUTimes {
	out := CPUTimes{}
	for k, v := range t {
		out[k] = round(v-before[k], 2)
	}
	return out
}

// procStat returns utime+stime in seconds and the parent pid.
func procStat(pid int) (float64, int, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// The command name is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, 0, false
	}
	ppid, _ := strconv.Atoi(f[1])
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / clockTicks, ppid, true
}

// label names a child by its binary and, for a node, its directory.
func label(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return "other"
	}
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	name := strings.TrimPrefix(filepath.Base(args[0]), "bastion-")
	if name == "node" {
		for i, a := range args {
			if a == "--config" && i+1 < len(args) {
				return filepath.Base(filepath.Dir(args[i+1]))
			}
		}
	}
	return name
}

// PerItem returns each process's CPU microseconds per item and their sum
// under "total".
func (t CPUTimes) PerItem(items int) map[string]float64 {
	out := map[string]float64{}
	if items == 0 {
		return out
	}
	var sum float64
	for k, v := range t {
		out[k] = round(v*1e6/float64(items), 1)
		sum += v
	}
	out["total"] = round(sum*1e6/float64(items), 1)
	return out
}
