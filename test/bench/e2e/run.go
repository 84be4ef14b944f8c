package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"bastion/test/bench/cluster"
)

// results is the content of bench-results/e2e.json.
type results struct {
	// AckP99 and AckP50 are over every order due in the window. An order
	// not acknowledged when the wait ended counts with the time it had
	// waited by then, so with LowerBound set they are lower bounds.
	AckP99       float64 `json:"e2e_ack_p99_ms"`
	AckP50       float64 `json:"e2e_ack_p50_ms"`
	LowerBound   bool    `json:"p99_is_lower_bound"`
	Target       float64 `json:"target_ack_p99_ms"`
	Met          bool    `json:"met"`
	Rate         float64 `json:"scheduled_orders_per_s"`
	Acked        float64 `json:"acknowledged_orders_per_s"`
	Acknowledged int     `json:"acknowledged_in_window"`
	// Unacked counts the window's orders without a receipt when the wait
	// ended (15 s after the last order was due), failures included.
	Unacked int   `json:"unacknowledged_in_window"`
	Failed  int64 `json:"failed_requests"`
	// LastError is the last failed request's error.
	LastError string `json:"last_error,omitempty"`

	// All summarises every order due in the window as above; Ack only
	// those acknowledged.
	All      cluster.Percentiles `json:"all_orders"`
	Ack      cluster.Percentiles `json:"acknowledged_orders"`
	Dispatch lagStats            `json:"dispatch"`
	// CPUSeconds is each process's CPU time during the window; with two
	// CPUs the sum can reach twice the window.
	CPUSeconds cluster.CPUTimes `json:"cpu_seconds_in_window"`
	// CPUPerOrder is each process's CPU microseconds per acknowledged
	// order in the window, and their total.
	CPUPerOrder map[string]float64 `json:"cpu_us_per_order"`
	Settings    settings           `json:"settings"`
	Machine     cluster.Machine    `json:"machine"`
}

type settings struct {
	Workers   int     `json:"workers"`
	WarmupS   float64 `json:"warmup_seconds"`
	DurationS float64 `json:"duration_seconds"`
	Seed      uint64  `json:"seed"`
	Fsync     bool    `json:"fsync"`
	Config    string  `json:"config"`
	Transport string  `json:"transport"`
	Latency   string  `json:"latency"`
}

func run(ctx context.Context, o options, logger *slog.Logger) (*results, error) {
	begin := time.Now()
	m := cluster.NewMachine()
	n := int(o.rate * (o.warmup + o.duration).Seconds())
	bodies, err := orders(n, o.seed)
	if err != nil {
		return nil, err
	}
	c, err := cluster.Start(ctx, cluster.Options{Bin: o.bin, Keep: o.keep, Progress: os.Stderr})
	if err != nil {
		return nil, err
	}
	defer c.Stop()
	gw, err := c.LeaderGateway(ctx)
	if err != nil {
		return nil, err
	}
	warm(ctx, c, gw, o.workers)

	// Paced load; the window is the orders due after the warm-up.
	logger.Info("paced load", slog.Float64("rate", o.rate), slog.Int("orders", n), slog.Int("workers", o.workers))
	var rec cluster.Recorder
	var failed failures
	start := time.Now().Add(10 * time.Millisecond)
	from, to := start.Add(o.warmup), start.Add(o.warmup+o.duration)
	cpu0 := make(chan cluster.CPUTimes, 1)
	at := time.AfterFunc(time.Until(from), func() { cpu0 <- cluster.ReadCPU() })
	defer at.Stop()
	acked := make([]bool, len(bodies))
	lag, deadline := openLoop(ctx, c, gw, bodies, o.rate, o.workers, start, &rec, &failed, acked)
	cpu1 := cluster.ReadCPU()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	ss := rec.StartedBetween(from, to)
	r := &results{Target: 20, Rate: o.rate, Acknowledged: len(ss), Failed: failed.n.Load(),
		LastError: failed.last, Dispatch: lag}
	r.Ack = cluster.Summarise(cluster.AckLatencies(ss))
	all := withUnacked(cluster.AckLatencies(ss), acked, start, o.rate, o.warmup, o.duration, deadline)
	r.Unacked = len(all) - len(ss)
	r.All = cluster.Summarise(all)
	r.AckP99, r.AckP50, r.LowerBound = r.All.P99, r.All.P50, r.Unacked > 0
	r.Met = r.All.Count > 0 && r.Unacked == 0 && r.Failed == 0 && r.AckP99 <= r.Target
	if last := lastAck(ss); last.After(from) {
		r.Acked = cluster.Round(float64(len(ss))/last.Sub(from).Seconds(), 0)
	}
	select {
	case before := <-cpu0:
		r.CPUSeconds = cpu1.Sub(before)
		r.CPUPerOrder = r.CPUSeconds.PerItem(len(ss))
	default:
	}
	r.Settings = settings{Workers: o.workers, WarmupS: o.warmup.Seconds(), DurationS: o.duration.Seconds(),
		Seed: o.seed, Fsync: true, Config: "firmware-config/appliance.toml (embedded default)",
		Transport: "HTTPS/1.1 keep-alive, TLS 1.3 X25519MLKEM768, one order per request",
		Latency:   "from the order's scheduled send time until its receipt arrived"}
	m.Finish(begin)
	r.Machine = m
	return r, nil
}

func lastAck(ss []cluster.Sample) time.Time {
	var t time.Time
	for _, s := range ss {
		if s.Ack.After(t) {
			t = s.Ack
		}
	}
	return t
}

// warm opens the workers' connections before anything is measured.
func warm(ctx context.Context, c *cluster.Cluster, gateway string, n int) {
	done := make(chan struct{}, n)
	for range n {
		go func() {
			_, _ = c.Client.ExportSize(ctx, gateway)
			done <- struct{}{}
		}()
	}
	for range n {
		<-done
	}
}

// withUnacked adds to the acknowledged latencies one for every order due
// in the window without a receipt: the time from its due time until the
// wait ended.
func withUnacked(lat []time.Duration, acked []bool, start time.Time, rate float64,
	warmup, window time.Duration, deadline time.Time) []time.Duration {
	step := time.Duration(float64(time.Second) / rate)
	lo, hi := int(warmup.Seconds()*rate), int((warmup+window).Seconds()*rate)
	for k := lo; k < min(hi, len(acked)); k++ {
		if !acked[k] {
			lat = append(lat, deadline.Sub(start.Add(time.Duration(k)*step)))
		}
	}
	return lat
}
