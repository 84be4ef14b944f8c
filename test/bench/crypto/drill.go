package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"bastion/high-side/hsm"

	"github.com/miekg/pkcs11"
)

// drill signs o.drillSigs signatures from o.workers goroutines over the
// three tokens. When signature o.faultAfter starts, the SoftHSM instance
// of the third token is finalised (C_Finalize on its copy of the library:
// every call on it then fails, as with a token that died), and after
// o.outage it is initialised again. Every signature is verified with the
// published key; one that fails either way counts as failed.
func drill(ctx context.Context, fx *fixture, o options, logger *slog.Logger) (failoverResult, error) {
	ev := newEvents(logger.Handler())
	cfg := fx.cfg
	cfg.HealthInterval = 50 * time.Millisecond
	cfg.BackoffMin, cfg.BackoffMax = 50*time.Millisecond, 200*time.Millisecond
	victim := cfg.Tokens[2]
	g := &gate{}
	cfg.Interpose = func(label string, m hsm.Module) hsm.Module {
		if label != victim.Label {
			return m
		}
		g.Module = m
		return g
	}
	p, s, err := fx.openSigner(ctx, cfg, slog.New(ev))
	if err != nil {
		return failoverResult{}, err
	}
	defer p.Close()
	lib := pkcs11.New(victim.Module) // the instance the pool loaded: same path
	if lib == nil {
		return failoverResult{}, fmt.Errorf("failed to load %s", victim.Module)
	}

	// The fault, injected when signature faultAfter starts.
	reached := make(chan struct{})
	var inj injection
	injected := make(chan struct{})
	go func() {
		defer close(injected)
		<-reached
		inj = inject(g, lib, victim.SoftHSMConf, o.outage)
	}()
	up := watchUp(p, 2, reached)

	// The load.
	lat := make([]time.Duration, o.drillSigs)
	var failed atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for range o.workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < o.drillSigs; i = int(next.Add(1)) - 1 {
				if i == o.faultAfter {
					close(reached)
				}
				start := time.Now()
				err := signAndVerify(ctx, fx, s, i)
				lat[i] = time.Since(start)
				if err != nil && failed.Add(1) <= 5 {
					logger.ErrorContext(ctx, "signature failed", slog.Int("index", i), slog.String("error", err.Error()))
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(t0)
	<-injected
	if inj.err != nil {
		return failoverResult{}, inj.err
	}
	upAt, servedAtUp := up.wait(10 * time.Second)

	// What the pool did about it.
	res := failoverResult{
		Signatures: o.drillSigs, Failed: int(failed.Load()), SignsPerS: float64(o.drillSigs) / elapsed.Seconds(),
		Fault: fmt.Sprintf("C_Finalize of the SoftHSM instance of token %s (its own copy of the library) "+
			"when signature %d started; C_Initialize again after %v", victim.Label, o.faultAfter, o.outage),
		OutageMS: ms(inj.reinit.Sub(inj.fault)), LatencyMS: summarise(lat), Served: map[string]uint64{},
	}
	down, ok := ev.first("hsm token down", victim.Label, inj.fault)
	if !ok {
		return res, errors.New("the pool never marked the failed token DOWN")
	}
	res.RecoveryMS = ms(down.Sub(inj.fault))
	if upLogged, ok := ev.first("hsm token up", victim.Label, inj.reinit); ok {
		res.TokenUpMS, res.RejoinMS = ms(upLogged.Sub(inj.fault)), ms(upLogged.Sub(inj.reinit))
	} else if !upAt.IsZero() {
		res.TokenUpMS, res.RejoinMS = ms(upAt.Sub(inj.fault)), ms(upAt.Sub(inj.reinit))
	}
	for _, st := range p.Status() {
		res.Served[st.Label] = st.Served
		if st.Label == victim.Label && !upAt.IsZero() {
			res.ServedAfterRejoin = st.Served - servedAtUp
		}
	}
	return res, nil
}

// signAndVerify makes signature i and verifies it with the published key.
func signAndVerify(ctx context.Context, fx *fixture, s *hsm.Signer, i int) error {
	msg := fmt.Appendf(nil, "drill checkpoint %d", i)
	sig, err := s.SignContext(ctx, msg, nil)
	if err != nil {
		return err
	}
	return fx.pub.Verify(msg, nil, sig)
}

// injection records when the fault began and ended.
type injection struct {
	fault, reinit time.Time
	err           error
}

// inject finalises the library instance lib once no call is inside it
// (g), waits outage, and initialises it again with its own SoftHSM
// configuration (SoftHSM reads SOFTHSM2_CONF during C_Initialize only).
// The fault time is the instant C_Finalize returned.
func inject(g *gate, lib *pkcs11.Ctx, conf string, outage time.Duration) injection {
	var inj injection
	g.closed(func() {
		inj.err = lib.Finalize()
		inj.fault = time.Now()
	})
	if inj.err != nil {
		inj.err = fmt.Errorf("failed to finalise the instance: %w", inj.err)
		return inj
	}
	time.Sleep(outage)
	g.closed(func() {
		old, had := os.LookupEnv("SOFTHSM2_CONF")
		os.Setenv("SOFTHSM2_CONF", conf)
		inj.err = lib.Initialize()
		inj.reinit = time.Now()
		if had {
			os.Setenv("SOFTHSM2_CONF", old)
		} else {
			os.Unsetenv("SOFTHSM2_CONF")
		}
	})
	if inj.err != nil {
		inj.err = fmt.Errorf("failed to initialise the instance again: %w", inj.err)
	}
	return inj
}

// upWatch notices when a token is UP again after it went down.
type upWatch struct {
	done   chan struct{}
	at     time.Time
	served uint64
}

// watchUp polls the status of token i every millisecond once start is
// closed, and records when it is UP again after having left UP, with the
// requests it had served by then.
func watchUp(p *hsm.Pool, i int, start <-chan struct{}) *upWatch {
	w := &upWatch{done: make(chan struct{})}
	go func() {
		defer close(w.done)
		<-start
		deadline := time.Now().Add(30 * time.Second)
		left := false
		for time.Now().Before(deadline) {
			st := p.Status()[i]
			left = left || st.State != hsm.StateUp
			if left && st.State == hsm.StateUp {
				w.at, w.served = time.Now(), st.Served
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	return w
}

// wait returns when the token came back and what it had served by then;
// a zero time if it did not within limit.
func (w *upWatch) wait(limit time.Duration) (time.Time, uint64) {
	select {
	case <-w.done:
	case <-time.After(limit):
		return time.Time{}, 0
	}
	return w.at, w.served
}

// summarise returns the median, 99th percentile and maximum of lat.
func summarise(lat []time.Duration) latency {
	s := slices.Clone(lat)
	slices.Sort(s)
	if len(s) == 0 {
		return latency{}
	}
	at := func(q float64) float64 { return ms(s[min(len(s)-1, int(q*float64(len(s))))]) }
	return latency{P50: at(0.50), P99: at(0.99), Max: ms(s[len(s)-1])}
}

// ms converts d to fractional milliseconds.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
