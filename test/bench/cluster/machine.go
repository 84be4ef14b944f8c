package cluster

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Machine describes where a benchmark ran. Load averages are those of
// /proc/loadavg (1, 5 and 15 minutes); other work on the machine shows in
// them.
type Machine struct {
	CPUs        int        `json:"cpus"`
	GoVersion   string     `json:"go_version"`
	GOOS        string     `json:"goos"`
	GOARCH      string     `json:"goarch"`
	Kernel      string     `json:"kernel,omitempty"`
	LoadBefore  [3]float64 `json:"load_average_before"`
	LoadAfter   [3]float64 `json:"load_average_after"`
	StartedUTC  string     `json:"started_utc"`
	WallSeconds float64    `json:"wall_seconds"`
}

// NewMachine describes this machine now.
func NewMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), GOOS: runtime.GOOS,
		GOARCH: runtime.GOARCH, LoadBefore: LoadAverage(), StartedUTC: time.Now().UTC().Format(time.RFC3339)}
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		m.Kernel = utsString(u.Release[:])
	}
	return m
}

// Finish records the load after the run and the wall time since start.
func (m *Machine) Finish(start time.Time) {
	m.LoadAfter = LoadAverage()
	m.WallSeconds = round(time.Since(start).Seconds(), 1)
}

// LoadAverage reads /proc/loadavg; zeros when it cannot.
func LoadAverage() [3]float64 {
	var out [3]float64
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return out
	}
	f := strings.Fields(string(b))
	for i := 0; i < 3 && i < len(f); i++ {
		out[i], _ = strconv.ParseFloat(f[i], 64)
	}
	return out
}

func utsString(b []int8) string {
	s := make([]byte, 0, len(b))
	for _, c := range b {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return string(s)
}

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

// Round rounds v to digits decimals, for figures in result files.
func Round(v float64, digits int) float64 { return round(v, digits) }

// WriteJSON writes v to path, indented, creating its directory.
func WriteJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Finish ends a benchmark command: it writes res to out when there is a
// result (a failed run may still have one), calls show to print it, and
// exits with status 1 when writing or the run failed.
func Finish(logger *slog.Logger, name, out string, res any, show func(), err error) {
	if res != nil {
		if werr := WriteJSON(out, res); werr != nil {
			logger.Error("failed to write results", slog.String("error", werr.Error()))
			os.Exit(1)
		}
		show()
	}
	if err != nil {
		logger.Error(name+" bench failed", slog.String("error", err.Error()))
		os.Exit(1)
	}
}
