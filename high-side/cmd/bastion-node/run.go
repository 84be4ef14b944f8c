package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"bastion/high-side/clearance"
	"bastion/high-side/fix"
	"bastion/high-side/gateway"
	"bastion/high-side/hsm"
	"bastion/high-side/intake"
	"bastion/high-side/monitor"
	"bastion/high-side/node"
	"bastion/high-side/node/peertls"
	"bastion/high-side/records"
	"bastion/shared/hybrid"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// run starts the node and its services and blocks until ctx ends.
func run(ctx context.Context, nodePath, servicesPath string, logger *slog.Logger) error {
	cfg, err := node.LoadConfig(nodePath)
	if err != nil {
		return err
	}
	svc, err := loadServices(servicesPath)
	if err != nil {
		return err
	}

	// Open the HSM pool and the hybrid signer before anything listens.
	signer, err := openSigner(ctx, svc, logger)
	if err != nil {
		return err
	}

	// The monitor and the clearance policy the leader decides with.
	mcfg := monitor.SurveillanceConfig()
	if svc.MonitorConfig != "" {
		if mcfg, err = monitor.LoadConfig(svc.MonitorConfig); err != nil {
			return err
		}
	}
	if svc.Form4Dir != "" {
		mcfg.Orders.Restricted.Form4Dir = svc.Form4Dir
	}
	mon, err := monitor.New(mcfg, logger.With(slog.String("component", "monitor")))
	if err != nil {
		return fmt.Errorf("failed to start monitor: %w", err)
	}
	clr, release, err := loadClearance(svc)
	if err != nil {
		return err
	}

	packKey, err := loadPackKey(svc)
	if err != nil {
		return err
	}
	planner, err := loadPlanner(svc)
	if err != nil {
		return err
	}

	// Join the cluster.
	n, err := node.New(cfg, node.Options{
		Logger:    logger,
		Monitor:   mon,
		Labels:    clearance.DefaultPolicy(),
		Clearance: clr,
		PackKey:   packKey,
	})
	if err != nil {
		return fmt.Errorf("failed to start node: %w", err)
	}
	defer n.Shutdown()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	cos, err := setupCosign(cfg, svc, liveLedger{n}, logger)
	if err != nil {
		return err
	}

	// Serve the floor: HTTPS JSON and FIX.
	sub := statusSubmitter{Node: n, link: svc.Link.Name, signer: signer, planner: planner}
	stopGateway, err := serveGateway(cfg, svc, sub, cos, reg, logger)
	if err != nil {
		return err
	}
	defer stopGateway()
	if svc.FIXListen != "" {
		stopFIX, err := serveFIX(cfg, svc, n, logger)
		if err != nil {
			return err
		}
		defer stopFIX()
	}
	if svc.MetricsListen != "" {
		stop, err := serveMetrics(svc.MetricsListen, reg, logger)
		if err != nil {
			return err
		}
		defer stop()
	}

	// Export while leading.
	exp := &exportLoop{node: n, ledger: liveLedger{n}, svc: svc, signer: signer, release: release,
		collector: cos.collector, log: logger}
	go exp.run(ctx)

	logger.InfoContext(ctx, "node ready", slog.String("gateway", svc.GatewayListen), slog.String("fix", svc.FIXListen))
	<-ctx.Done()
	logger.Info("node stopping")
	return nil
}

// openSigner opens the HSM pool of the ceremony directory and returns the
// hybrid signer of the configured key.
func openSigner(ctx context.Context, svc *Services, logger *slog.Logger) (hybrid.Signer, error) {
	if os.Getenv("SOFTHSM2_CONF") == "" {
		os.Setenv("SOFTHSM2_CONF", filepath.Join(svc.HSMDir, "softhsm2.conf"))
	}
	hcfg, err := hsm.LoadConfig(filepath.Join(svc.HSMDir, "hsm.toml"))
	if err != nil {
		return nil, err
	}
	pool, err := hsm.Open(ctx, hcfg, logger.With(slog.String("component", "hsm")))
	if err != nil {
		return nil, fmt.Errorf("failed to open HSM pool: %w", err)
	}
	text, err := os.ReadFile(filepath.Join(svc.HSMDir, "keys", svc.KeyName+".pub"))
	if err != nil {
		return nil, fmt.Errorf("failed to read enrolled public key: %w", err)
	}
	_, pub, err := hybrid.ParsePublicKeyText(text)
	if err != nil {
		return nil, fmt.Errorf("enrolled public key: %w", err)
	}
	s, err := pool.Signer(svc.KeyName, filepath.Join(svc.HSMDir, "keys", svc.KeyName+".seal"), pub)
	if err != nil {
		return nil, fmt.Errorf("failed to unseal signing key: %w", err)
	}
	return s, nil
}

func serveGateway(cfg node.Config, svc *Services, sub statusSubmitter, cos *cosigning, reg *prometheus.Registry, logger *slog.Logger) (func(), error) {
	tc, err := peertls.GatewayServerConfig(cfg.TLS.CACert, cfg.TLS.Cert, cfg.TLS.Key)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", svc.GatewayListen)
	if err != nil {
		return nil, fmt.Errorf("failed to listen for the gateway: %w", err)
	}
	opts := []gateway.Option{gateway.WithLogger(logger.With(slog.String("component", "gateway"))), gateway.WithRegisterer(reg)}
	if cos.local != nil {
		opts = append(opts, gateway.WithCosigner(cos.local, cos.nodes))
	}
	h := gateway.NewHandler(sub, opts...)
	srv := &http.Server{Handler: actorFromCertificate(h), TLSConfig: tc, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelDebug)}
	go func() {
		if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("gateway stopped", slog.Any("error", err))
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

func serveFIX(cfg node.Config, svc *Services, n *node.Node, logger *slog.Logger) (func(), error) {
	// Every Logon is bound to the client certificate it arrives with.
	acfg := fix.AcceptorConfig{CompID: svc.FIXCompID, RequireCertificate: true}
	for _, s := range svc.FIXSessions {
		acfg.Sessions = append(acfg.Sessions, fix.SessionConfig{BeginString: s.BeginString,
			SenderCompID: s.SenderCompID, Trader: s.Trader, Certificates: s.Certificates})
	}
	if err := fix.ValidateConfig(acfg); err != nil {
		return nil, fmt.Errorf("fix sessions: %w", err)
	}
	// FIX runs over the same TLS as the gateway: TLS 1.3, the hybrid key
	// exchange only, and a client certificate from the cluster CA.
	tc, err := peertls.GatewayServerConfig(cfg.TLS.CACert, cfg.TLS.Cert, cfg.TLS.Key)
	if err != nil {
		return nil, err
	}
	raw, err := net.Listen("tcp", svc.FIXListen)
	if err != nil {
		return nil, fmt.Errorf("failed to listen for FIX: %w", err)
	}
	ln := tls.NewListener(raw, tc)
	acc := fix.NewAcceptor(acfg, n, logger.With(slog.String("component", "fix")))
	go func() {
		if err := acc.Serve(ln); err != nil {
			logger.Debug("fix acceptor stopped", slog.Any("error", err))
		}
	}()
	return acc.Close, nil
}

func serveMetrics(addr string, reg *prometheus.Registry, logger *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("failed to listen for metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() { _ = srv.Close() }, nil
}

// statusSubmitter adds to the node what the gateway's routes need from
// the services: the status of the export link, the signer of disclosures
// and the disposal planner.
type statusSubmitter struct {
	*node.Node
	link    string
	signer  hybrid.Signer
	planner *records.Planner
}

// Disclose issues a signed disclosure of one committed field; see
// node.Node.Disclose.
func (s statusSubmitter) Disclose(ctx context.Context, actor string, index uint64, field string) ([]byte, intake.Receipt, error) {
	return s.Node.Disclose(ctx, actor, node.DisclosureRequest{Index: index, Field: field, Link: s.link, Signer: s.signer})
}

// RunDisposal disposes of what the retention schedule allows now; see
// node.Node.RunDisposal.
func (s statusSubmitter) RunDisposal(ctx context.Context, actor string) (*records.Plan, []intake.Receipt, error) {
	return s.Node.RunDisposal(ctx, actor, s.planner, time.Now())
}

// nodeStatus is what /v1/status answers: Raft, ledger and export cursor.
type nodeStatus struct {
	node.Status
	Export exportStatus `json:"export"`
}

type exportStatus struct {
	Link string `json:"link"`
	Seq  uint64 `json:"seq"`  // last batch committed for export
	Size uint64 `json:"size"` // ledger entries covered by exported batches
}

// Status returns the node's Raft, ledger and export status.
func (s statusSubmitter) Status(ctx context.Context) (any, error) {
	st, err := s.Node.Status()
	if err != nil {
		return nil, err
	}
	rec, _, err := s.Node.ExportCursor().Last(s.link)
	if err != nil {
		return nil, err
	}
	return nodeStatus{Status: st, Export: exportStatus{Link: s.link, Seq: rec.Seq, Size: rec.Size}}, nil
}
