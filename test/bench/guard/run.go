package main

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	Rounds         int     `json:"rounds"`
	WallS          float64 `json:"wall_s"`
	CPUS           float64 `json:"cpu_s"`
	EntriesPerS    float64 `json:"entries_per_s"`
	EntriesPerCPUS float64 `json:"entries_per_cpu_s"`
	BatchP50Ms     float64 `json:"batch_p50_ms"`
	BatchP99Ms     float64 `json:"batch_p99_ms"`
	BatchMaxMs     float64 `json:"batch_max_ms"`
	PacedPerS      float64 `json:"paced_entries_per_s"`
	LoadBefore     float64 `json:"load_before"`
	LoadAfter      float64 `json:"load_after"`
}

// measure runs rounds throughput rounds, each on a fresh guard, and keeps
// the median round by wall time; then one latency round at the target
// rate.
func measure(w *workload, rounds int, keep bool) (runResult, error) {
	res := runResult{Rounds: rounds, LoadBefore: load1()}
	var all []runResult
	for range rounds {
		r, err := burst(w, keep)
		if err != nil {
			return res, err
		}
		all = append(all, r)
	}
	slices.SortFunc(all, func(a, b runResult) int { return cmp.Compare(a.WallS, b.WallS) })
	m := all[len(all)/2]
	res.Entries, res.WallS, res.CPUS = m.Entries, m.WallS, m.CPUS
	res.EntriesPerS, res.EntriesPerCPUS = m.EntriesPerS, m.EntriesPerCPUS
	lat, err := paced(w, targetPerS, keep)
	if err != nil {
		return res, err
	}
	res.PacedPerS = targetPerS
	res.BatchP50Ms, res.BatchP99Ms, res.BatchMaxMs = quantile(lat, 0.50), quantile(lat, 0.99), quantile(lat, 1)
	res.LoadAfter = load1()
	return res, nil
}

// burst offers every batch back to back, as the diode receiver's queue
// does after a burst, and times from the first offer until the last batch
// is archived, logged and published.
func burst(w *workload, keep bool) (runResult, error) {
	var res runResult
	g, done, err := freshGuard(w.key, keep)
	if err != nil {
		return res, err
	}
	defer done()
	var outs outcomes
	runtime.GC()
	cpu0, start := cpuTime(), time.Now()
	for i, raw := range w.raws {
		g.Enqueue(uint64(i+1), raw, outs.record(i))
	}
	if err := g.Sync(); err != nil {
		return res, err
	}
	res.WallS, res.CPUS = time.Since(start).Seconds(), (cpuTime() - cpu0).Seconds()
	if err := outs.check(len(w.raws)); err != nil {
		return res, err
	}
	res.Entries = len(w.raws) * w.entries
	res.EntriesPerS = float64(res.Entries) / res.WallS
	res.EntriesPerCPUS = float64(res.Entries) / res.CPUS
	return res, nil
}

// paced offers one batch every entries/perS seconds (the target rate) and
// returns each batch's time from its arrival to its acceptance; a guard
// that falls behind the rate shows it as growing latencies.
func paced(w *workload, perS float64, keep bool) ([]time.Duration, error) {
	g, done, err := freshGuard(w.key, keep)
	if err != nil {
		return nil, err
	}
	defer done()
	every := time.Duration(float64(w.entries) / perS * float64(time.Second))
	lat := make([]time.Duration, len(w.raws))
	var outs outcomes
	start := time.Now()
	for i, raw := range w.raws {
		arrival := start.Add(time.Duration(i) * every)
		time.Sleep(time.Until(arrival))
		rec := outs.record(i)
		g.Enqueue(uint64(i+1), raw, func(o guard.Outcome, err error) {
			lat[i] = time.Since(arrival)
			rec(o, err)
		})
	}
	if err := g.Sync(); err != nil {
		return nil, err
	}
	return lat, outs.check(len(w.raws))
}

// outcomes collects the outcome of every batch of a run.
type outcomes struct {
	mu  sync.Mutex
	bad []string
	n   int
}

func (o *outcomes) record(i int) func(guard.Outcome, error) {
	return func(out guard.Outcome, err error) {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.n++
		if err != nil || out != guard.Accepted {
			o.bad = append(o.bad, fmt.Sprintf("batch %d: %v, %v; want accepted", i+1, out, err))
		}
	}
}

func (o *outcomes) check(want int) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.bad) > 0 {
		return errors.New(o.bad[0])
	}
	if o.n != want {
		return fmt.Errorf("%d outcomes, want %d", o.n, want)
	}
	return nil
}

// freshGuard opens a guard in a new temporary folder; done closes it and
// removes the folder unless keep.
func freshGuard(key []byte, keep bool) (*guard.Guard, func(), error) {
	dir, err := os.MkdirTemp("", "bench-guard-")
	if err != nil {
		return nil, nil, err
	}
	g, err := openGuard(dir, key)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return g, func() {
		g.Close()
		if !keep {
			os.RemoveAll(dir)
		}
	}, nil
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
