package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"bastion/high-side/cosign"
	"bastion/high-side/node"
	"bastion/high-side/node/peertls"
)

// cosigning is this node's cosigner and, for its terms as leader, the
// collector of its peers' cosignatures. Both are nil when cosigning is off.
type cosigning struct {
	local     *cosign.Local
	collector *cosign.Collector
	nodes     []string
}

// setupCosign reads the node's cosigning key and its peers' verifier keys
// from the configured folder. Cosigning state and fork evidence go to
// DataDir/cosign.
func setupCosign(cfg node.Config, svc *Services, l cosign.Ledger, logger *slog.Logger) (*cosigning, error) {
	cc := svc.Cosign
	if cc.KeysDir == "" {
		logger.Warn("checkpoint cosigning is off: checkpoints carry the hybrid signature only")
		return &cosigning{}, nil
	}
	priv, err := cosign.ReadKey(cosign.KeyFile(cc.KeysDir, cfg.NodeID))
	if err != nil {
		return nil, err
	}
	log := logger.With(slog.String("component", "cosign"))
	// The cosigner keeps priv for the life of the process.
	local, err := cosign.Open(filepath.Join(cfg.DataDir, "cosign"), cfg.NodeID, priv, l, log)
	if err != nil {
		return nil, err
	}
	c := &cosigning{local: local}
	var peers []cosign.Peer
	for _, p := range cfg.Peers {
		c.nodes = append(c.nodes, p.ID)
		if p.ID == cfg.NodeID {
			continue
		}
		k, err := cosign.ReadVerifierKey(cosign.VerifierKeyFile(cc.KeysDir, p.ID))
		if err != nil {
			return nil, err
		}
		if k.Name != p.ID {
			return nil, fmt.Errorf("cosigner key of %s is named %s", p.ID, k.Name)
		}
		peers = append(peers, cosign.Peer{Key: k, URL: p.GatewayAddr})
	}
	quorum := cc.Quorum
	if quorum == 0 {
		quorum = len(cfg.Peers)/2 + 1
	}
	timeout := cc.Timeout.Duration
	if timeout == 0 {
		timeout = 2 * time.Second
	}
	client, err := nodeClient(cfg)
	if err != nil {
		return nil, err
	}
	if c.collector, err = cosign.NewCollector(local, peers, quorum, client, timeout, log); err != nil {
		return nil, err
	}
	logger.Info("checkpoint cosigning on", slog.Int("quorum", quorum), slog.Int("nodes", len(cfg.Peers)))
	return c, nil
}

// nodeClient is an HTTPS client that presents this node's certificate and
// trusts the cluster CA only, with the hybrid key exchange only.
func nodeClient(cfg node.Config) (*http.Client, error) {
	cert, err := tls.LoadX509KeyPair(cfg.TLS.Cert, cfg.TLS.Key)
	if err != nil {
		return nil, fmt.Errorf("failed to load the node certificate: %w", err)
	}
	pem, err := os.ReadFile(cfg.TLS.CACert)
	if err != nil {
		return nil, fmt.Errorf("failed to read cluster CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificate in %s", cfg.TLS.CACert)
	}
	tc := &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert},
		MinVersion: tls.VersionTLS13, CurvePreferences: peertls.CurvePreferences}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: tc, MaxIdleConnsPerHost: 4}}, nil
}
