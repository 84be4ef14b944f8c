package main

import (
	"context"
	"fmt"
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

// signThroughput measures complete hybrid signatures over a pool of cfg.
// A short warm-up opens the sessions first.
func signThroughput(ctx context.Context, fx *fixture, cfg hsm.Config, o options) (rate, error) {
	p, s, err := fx.openSigner(ctx, cfg, nil)
	if err != nil {
		return rate{}, err
	}
	defer p.Close()
	msg := []byte("checkpoint body of a typical size, about one hundred bytes long, for the benchmark..")
	sign := func(int) error {
		_, err := s.SignContext(ctx, msg, nil)
		return err
	}
	if _, err := measure(o.workers*4, o.workers, sign); err != nil {
		return rate{}, err
	}
	return measure(o.benchSigs, o.workers, sign)
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
