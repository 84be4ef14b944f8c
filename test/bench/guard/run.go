package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"bastion/guard"
	"bastion/guard/guardtest"
)

const link = "bench-link"

// workload is a run's input: the high side's key and its signed batches.
type workload struct {
	key     []byte
	raws    [][]byte
	entries int // full entries per batch
}

func (w *workload) meanBytes() int {
	n := 0
	for _, r := range w.raws {
		n += len(r)
	}
	return n / max(1, len(w.raws))
}

// failure turns the builders' test failures into an error.
type failure struct{ err error }

func (f *failure) Helper() {}
func (f *failure) Fatal(args ...any) {
	f.err = fmt.Errorf("failed to build batches: %s", fmt.Sprint(args...))
	panic(f)
}

// buildWorkload signs batches of full order entries.
func buildWorkload(batches, entries int) (w *workload, err error) {
	f := &failure{}
	defer func() {
		if r := recover(); r != nil {
			if r != f {
				panic(r)
			}
			w, err = nil, f.err
		}
	}()
	hs := guardtest.New(f, link)
	w = &workload{key: hs.KeyText(), entries: entries}
	for i := range batches {
		for j := range entries {
			hs.Append(f, guardtest.Order(f, i*entries+j, guardtest.Releasable))
		}
		_, raw := hs.Next(f)
		w.raws = append(w.raws, raw)
	}
	return w, nil
}

// runResult is one run's figures.
type runResult struct {
	GOMAXPROCS     int     `json:"gomaxprocs"`
	Entries        int     `json:"entries"`
	WallS          float64 `json:"wall_s"`
	CPUS           float64 `json:"cpu_s"`
	EntriesPerS    float64 `json:"entries_per_s"`
	EntriesPerCPUS float64 `json:"entries_per_cpu_s"`
	BatchP50Ms     float64 `json:"batch_p50_ms"`
	BatchP99Ms     float64 `json:"batch_p99_ms"`
	BatchMaxMs     float64 `json:"batch_max_ms"`
	LoadBefore     float64 `json:"load_before"`
	LoadAfter      float64 `json:"load_after"`
}

// measure opens a fresh guard in a temporary folder and submits every
// batch in order.
func measure(w *workload, keep bool) (runResult, error) {
	var res runResult
	dir, err := os.MkdirTemp("", "bench-guard-")
	if err != nil {
		return res, err
	}
	if !keep {
		defer os.RemoveAll(dir)
	}
	g, err := openGuard(dir, w.key)
	if err != nil {
		return res, err
	}
	defer g.Close()

	runtime.GC()
	res.LoadBefore = load1()
	cpu0, start := cpuTime(), time.Now()
	lat := make([]time.Duration, len(w.raws))
	for i, raw := range w.raws {
		t := time.Now()
		out, err := g.Submit(uint64(i+1), raw)
		lat[i] = time.Since(t)
		if err != nil || out != guard.Accepted {
			return res, fmt.Errorf("batch %d: %v, %v; want accepted", i+1, out, err)
		}
		res.Entries += w.entries
	}
	res.WallS, res.CPUS = time.Since(start).Seconds(), (cpuTime() - cpu0).Seconds()
	res.LoadAfter = load1()
	res.EntriesPerS = float64(res.Entries) / res.WallS
	res.EntriesPerCPUS = float64(res.Entries) / res.CPUS
	res.BatchP50Ms, res.BatchP99Ms, res.BatchMaxMs = quantile(lat, 0.50), quantile(lat, 0.99), quantile(lat, 1)
	return res, nil
}

func openGuard(dir string, key []byte) (*guard.Guard, error) {
	keyFile := filepath.Join(dir, "high-side.pub")
	if err := os.WriteFile(keyFile, key, 0o644); err != nil {
		return nil, err
	}
	cfg := &guard.Config{Link: link, Listen: "127.0.0.1:0", HPKEKeyFile: "unused",
		HighSideKeyFile: keyFile, ReleaseLabel: "confidential/trading",
		StateDir: filepath.Join(dir, "state"), ExportDir: filepath.Join(dir, "export"),
		Names: []string{"Ada Lovelace", "Grace Hopper"}, DirtyWords: []string{"SECRET", "NOFORN"}}
	return guard.Open(cfg, nil, nil)
}

// quantile returns the q-quantile of ds in milliseconds (nearest rank).
func quantile(ds []time.Duration, q float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := min(len(s)-1, max(0, int(q*float64(len(s))+0.999999)-1))
	return float64(s[i]) / float64(time.Millisecond)
}

// cpuTime returns the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAverage returns the 1, 5 and 15 minute load averages, or nil.
func loadAverage() []float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return nil
	}
	var out []float64
	for _, f := range strings.Fields(string(b))[:3] {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil
		}
		out = append(out, v)
	}
	return out
}

// load1 returns the 1-minute load average, or -1.
func load1() float64 {
	if l := loadAverage(); len(l) > 0 {
		return l[0]
	}
	return -1
}
