package cosign

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bastion/high-side/gateway"
	"bastion/high-side/node/peertls"
	"bastion/shared/checkpoint"
)

var nodes = []string{"node-1", "node-2", "node-3"}

// cluster starts, for each given cosigner, a gateway over the cluster's
// TLS that serves POST /v1/cosign, and returns their peers and node-1's
// client.
func cluster(t *testing.T, locals map[string]*Local) ([]Peer, *http.Client) {
	t.Helper()
	pki := t.TempDir()
	if err := peertls.GeneratePKI(pki, nodes, []string{"127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	var peers []Peer
	for _, name := range nodes[1:] {
		l := locals[name]
		h := gateway.NewHandler(nil, gateway.WithCosigner(l, nodes))
		srv := httptest.NewUnstartedServer(actorFromCert(h))
		cfg, err := peertls.GatewayServerConfig(filepath.Join(pki, peertls.CACertFile),
			filepath.Join(pki, peertls.NodeCertFile(name)), filepath.Join(pki, peertls.NodeKeyFile(name)))
		if err != nil {
			t.Fatal(err)
		}
		srv.TLS = cfg
		srv.StartTLS()
		t.Cleanup(srv.Close)
		peers = append(peers, Peer{Key: l.Key(), URL: srv.URL})
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(pki, peertls.NodeCertFile("node-1")), filepath.Join(pki, peertls.NodeKeyFile("node-1")))
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := os.ReadFile(filepath.Join(pki, peertls.CACertFile))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool,
		Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13, CurvePreferences: peertls.CurvePreferences}}}
	return peers, client
}

// actorFromCert names the caller by its certificate, as bastion-node does.
func actorFromCert(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			r.Header.Set(gateway.ActorHeader, r.TLS.PeerCertificates[0].Subject.CommonName)
		}
		next.ServeHTTP(w, r)
	})
}

func locals(t *testing.T, tags map[string]string) map[string]*Local {
	t.Helper()
	out := map[string]*Local{}
	for i, name := range nodes {
		l, err := Open(t.TempDir(), name, key(byte(i+1)), testLedger(t, 500, tags[name]), nil)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = l
	}
	return out
}

func TestCollectQuorumOverTLS(t *testing.T) {
	ls := locals(t, map[string]string{"node-1": "a", "node-2": "a", "node-3": "a"})
	peers, client := cluster(t, ls)
	c, err := NewCollector(ls["node-1"], peers, 3, client, 5*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	note := signedNote(t, ls["node-1"].ledger.(cpLedger), 500)
	out, err := c.Collect(context.Background(), note)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := c.Quorum().Check(out)
	if err != nil || len(signed) != 3 {
		t.Fatalf("Check = %v, %v; want all three nodes", signed, err)
	}
}

func TestCollectStopsOnFork(t *testing.T) {
	ls := locals(t, map[string]string{"node-1": "a", "node-2": "a", "node-3": "b"})
	peers, client := cluster(t, ls)
	c, err := NewCollector(ls["node-1"], peers, 3, client, 5*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Collect(context.Background(), signedNote(t, ls["node-1"].ledger.(cpLedger), 500))
	if !errors.Is(err, ErrFork) {
		t.Fatalf("Collect with a node on another history: %v, want ErrFork", err)
	}
	if ls["node-3"].Forks() != 1 {
		t.Errorf("node-3 raised %d fork alarms, want 1", ls["node-3"].Forks())
	}
}

func TestCollectWithoutQuorum(t *testing.T) {
	ls := locals(t, map[string]string{"node-1": "a", "node-2": "a", "node-3": "a"})
	peers, client := cluster(t, ls)
	peers[0].URL, peers[1].URL = "https://127.0.0.1:1", "https://127.0.0.1:1"
	c, err := NewCollector(ls["node-1"], peers, 2, client, 2*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Collect(context.Background(), signedNote(t, ls["node-1"].ledger.(cpLedger), 500))
	if !errors.Is(err, checkpoint.ErrNoQuorum) {
		t.Fatalf("Collect with both peers down: %v, want ErrNoQuorum", err)
	}
}

// TestCosignRouteRefusesClients: a client certificate (client
// authentication only) cannot ask for cosignatures even under a node's
// name.
func TestCosignRouteRefusesClients(t *testing.T) {
	ls := locals(t, map[string]string{"node-1": "a", "node-2": "a", "node-3": "a"})
	pki := t.TempDir()
	if err := peertls.GeneratePKI(pki, nodes, []string{"127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	if err := peertls.IssueClientCert(pki, "node-1"); err != nil {
		t.Fatal(err)
	}
	h := gateway.NewHandler(nil, gateway.WithCosigner(ls["node-2"], nodes))
	srv := httptest.NewUnstartedServer(actorFromCert(h))
	cfg, err := peertls.GatewayServerConfig(filepath.Join(pki, peertls.CACertFile),
		filepath.Join(pki, peertls.NodeCertFile("node-2")), filepath.Join(pki, peertls.NodeKeyFile("node-2")))
	if err != nil {
		t.Fatal(err)
	}
	srv.TLS = cfg
	srv.StartTLS()
	defer srv.Close()
	ccfg, err := peertls.GatewayClientConfig(pki, "node-1")
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewCollector(ls["node-1"], []Peer{{Key: ls["node-2"].Key(), URL: srv.URL}}, 2,
		&http.Client{Transport: &http.Transport{TLSClientConfig: ccfg}}, 2*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Collect(context.Background(), signedNote(t, ls["node-1"].ledger.(cpLedger), 500))
	if !errors.Is(err, checkpoint.ErrNoQuorum) || !strings.Contains(err.Error(), "HTTP 403") {
		t.Fatalf("cosign asked with a client certificate: %v, want ErrNoQuorum (403 from node-2)", err)
	}
}
