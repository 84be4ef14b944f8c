package guard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"bastion/diode"
)

// SelfCheckInterval is how often Run re-verifies the archive and the log.
const SelfCheckInterval = 24 * time.Hour

// Run starts the guard described by cfg: the diode receiver on cfg.Listen
// feeding the pipeline, the Prometheus endpoint on cfg.MetricsListen and a
// self-check every SelfCheckInterval. It returns nil when ctx ends (a
// clean shutdown), or the error that stopped it: a storage failure of the
// pipeline, the receiver's error or a start-up error.
func Run(ctx context.Context, cfg *Config, logger *slog.Logger) error {
	logger = orDiscard(logger)
	reg := prometheus.NewRegistry()
	g, err := Open(cfg, reg, logger)
	if err != nil {
		return err
	}
	defer g.Close()
	recv, conn, err := g.receiver(cfg, reg, logger)
	if err != nil {
		return err
	}
	defer conn.Close()

	// Serve metrics, receive, and check the archive until ctx ends or the
	// pipeline fails.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopMetrics, err := serveMetrics(cfg.MetricsListen, reg, logger)
	if err != nil {
		return err
	}
	defer stopMetrics()
	go g.selfCheckEvery(ctx, SelfCheckInterval, logger)
	listening(conn.LocalAddr())
	done := make(chan error, 1)
	go func() { done <- recv.Run(ctx, g) }()
	logger.InfoContext(ctx, "guard running", slog.String("listen", conn.LocalAddr().String()),
		slog.Uint64("archived_batches", g.Head().Records), slog.Uint64("ledger_size", g.Head().Size))

	select {
	case <-ctx.Done():
		err = <-done
		if errors.Is(err, context.Canceled) {
			err = nil
		}
	case <-g.Failed():
		cancel()
		<-done
		err = errors.New("guard pipeline stopped on a storage failure")
	case err = <-done:
	}
	g.event("guard", "guard stopping", 0)
	logger.Info("guard stopped", slog.Any("error", err))
	return err
}

// listening is called once the diode socket is bound; tests replace it.
var listening = func(net.Addr) {}

// receiver opens the UDP socket and the diode receiver.
func (g *Guard) receiver(cfg *Config, reg prometheus.Registerer, logger *slog.Logger) (*diode.Receiver, *net.UDPConn, error) {
	priv, err := diode.ReadPrivateKeyFile(cfg.HPKEKeyFile)
	if err != nil {
		return nil, nil, err
	}
	addr, err := net.ResolveUDPAddr("udp", cfg.Listen)
	if err != nil {
		return nil, nil, fmt.Errorf("bad listen address: %w", err)
	}
	conn, err := net.ListenUDP("udp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to listen: %w", err)
	}
	recv, err := diode.NewReceiver(conn, diode.ReceiverConfig{Link: cfg.Link, PrivateKey: priv,
		Verifier: g.trust.sessionVerifier(), MaxBatch: g.limits.MaxBatchBytes, Registerer: reg}, logger)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return recv, conn, nil
}

// serveMetrics serves /metrics on addr until the returned stop is called;
// an empty addr serves nothing.
func serveMetrics(addr string, reg *prometheus.Registry, logger *slog.Logger) (func(), error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("failed to listen for metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics server failed", slog.Any("error", err))
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

// selfCheckEvery runs SelfCheck every interval until ctx ends.
func (g *Guard) selfCheckEvery(ctx context.Context, every time.Duration, logger *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if res := g.SelfCheck(); !res.OK() {
				logger.ErrorContext(ctx, "archive self-check failed", slog.String("result", res.String()))
			}
		}
	}
}
