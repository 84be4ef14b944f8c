package main

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"bastion/high-side/hsm"
)

// rate is one throughput measurement.
type rate struct {
	perSecond float64 // operations per second of wall time
	cpuMS     float64 // process CPU milliseconds per operation
}

// measure runs n operations from workers goroutines and times them. op
// gets the operation's index. The first error stops the run.
func measure(n, workers int, op func(i int) error) (rate, error) {
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	cpu0, t0 := cpuTime(), time.Now()
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := op(i); err != nil {
					once.Do(func() { firstErr = err })
					next.Store(int64(n))
					return
				}
			}
		})
	}
	wg.Wait()
	wall, cpu := time.Since(t0), cpuTime()-cpu0
	if firstErr != nil {
		return rate{}, firstErr
	}
	cpuMS := float64(cpu.Microseconds()) / 1000 / float64(n)
	return rate{perSecond: float64(n) / wall.Seconds(), cpuMS: cpuMS}, nil
}

// signRound is one timed run of complete signatures over one pool.
type signRound struct {
	Tokens   int     `json:"tokens"`
	PerS     float64 `json:"signs_per_s"`
	CPUMS    float64 `json:"cpu_ms_per_signature"`
	CPUShare float64 `json:"cpu_share"` // process CPU / (wall time x num_cpu)
	Load1    string  `json:"loadavg_1m"`
}

// signThroughput measures complete hybrid signatures over a pool of the
// first token and a pool of all tokens. The two pools take turns, round
// after round, so that both see the same changes in the machine's load;
// each gets the median of its rounds. A short warm-up opens the sessions
// first.
func signThroughput(ctx context.Context, fx *fixture, o options) (one, all rate, rounds []signRound, err error) {
	first := fx.cfg
	first.Tokens = fx.cfg.Tokens[:1]
	msg := []byte("checkpoint body of a typical size, about one hundred bytes long, for the benchmark..")
	var signs []func(int) error
	for _, cfg := range []hsm.Config{first, fx.cfg} {
		p, s, err := fx.openSigner(ctx, cfg, nil)
		if err != nil {
			return rate{}, rate{}, nil, err
		}
		defer p.Close()
		sign := func(int) error {
			_, err := s.SignContext(ctx, msg, nil)
			return err
		}
		if _, err := measure(o.workers*4, o.workers, sign); err != nil {
			return rate{}, rate{}, nil, err
		}
		signs = append(signs, sign)
	}
	tokens := []int{len(first.Tokens), len(fx.cfg.Tokens)}
	byPool := make([][]rate, 2)
	for range max(o.rounds, 1) {
		for i, sign := range signs {
			load := loadAverage()
			r, err := measure(o.benchSigs, o.workers, sign)
			if err != nil {
				return rate{}, rate{}, nil, fmt.Errorf("%d-token pool: %w", tokens[i], err)
			}
			byPool[i] = append(byPool[i], r)
			rounds = append(rounds, signRound{Tokens: tokens[i], PerS: r.perSecond, CPUMS: r.cpuMS,
				CPUShare: r.perSecond * r.cpuMS / 1000 / float64(runtime.NumCPU()), Load1: strings.Fields(load)[0]})
		}
	}
	return median(byPool[0]), median(byPool[1]), rounds, nil
}

// median returns the rate of median wall-time throughput among rs, which
// is not empty.
func median(rs []rate) rate {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b rate) int { return cmp.Compare(a.perSecond, b.perSecond) })
	return s[len(s)/2]
}

// verifyThroughput measures composite verification of a set of
// signatures made beforehand.
func verifyThroughput(ctx context.Context, fx *fixture, o options) (rate, error) {
	p, s, err := fx.openSigner(ctx, fx.cfg, nil)
	if err != nil {
		return rate{}, err
	}
	defer p.Close()
	const distinct = 256
	msgs, sigs := make([][]byte, distinct), make([][]byte, distinct)
	for i := range distinct {
		msgs[i] = fmt.Appendf(nil, "checkpoint %d", i)
		if sigs[i], err = s.Sign(msgs[i], nil); err != nil {
			return rate{}, err
		}
	}
	return measure(o.verifies, o.workers, func(i int) error {
		return fx.pub.Verify(msgs[i%distinct], nil, sigs[i%distinct])
	})
}
