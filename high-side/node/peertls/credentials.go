package peertls

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"
)

// Credentials are a node's TLS identity and the cluster CA that vouches for
// its peers.
type Credentials struct {
	Cert tls.Certificate
	CAs  *x509.CertPool
}

// LoadCredentials reads the CA certificate, the node certificate and its
// private key from PEM files. The key file must not be readable or writable
// by group or others (mode 0600 or stricter). It returns an error naming the
// file that could not be used.
func LoadCredentials(caFile, certFile, keyFile string) (*Credentials, error) {
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("failed to read CA certificate: %w", err)
	}
	cas := x509.NewCertPool()
	if !cas.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no certificate found in %s", caFile)
	}
	if err := checkKeyMode(keyFile); err != nil {
		return nil, err
	}
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("failed to read node certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("failed to read node key: %w", err)
	}
	defer clear(keyPEM)
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("failed to load key pair %s, %s: %w", certFile, keyFile, err)
	}
	return &Credentials{Cert: cert, CAs: cas}, nil
}

func checkKeyMode(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("failed to read node key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("key file %s has mode %04o, want 0600 or stricter", path, fi.Mode().Perm())
	}
	return nil
}

// CurvePreferences are the only key exchange groups a node offers or
// accepts: the hybrid of X25519 and ML-KEM-768 (FIPS 203), so that recorded
// Raft traffic stays confidential against a future quantum adversary.
var CurvePreferences = []tls.CurveID{tls.X25519MLKEM768}

// errNotMember is returned when a peer's certificate names no member.
var errNotMember = errors.New("peer certificate names no cluster member")

// baseConfig returns the settings both ends share: TLS 1.3 only and the
// hybrid group only.
func (c *Credentials) baseConfig() *tls.Config {
	return &tls.Config{
		MinVersion:       tls.VersionTLS13,
		MaxVersion:       tls.VersionTLS13,
		CurvePreferences: slices.Clone(CurvePreferences),
		Certificates:     []tls.Certificate{c.Cert},
	}
}

// ServerConfig returns the configuration for accepted connections: a
// client certificate from the cluster CA is required and its node ID must
// satisfy isMember.
func (c *Credentials) ServerConfig(isMember func(id string) bool) *tls.Config {
	cfg := c.baseConfig()
	cfg.ClientAuth = tls.RequireAndVerifyClientCert
	cfg.ClientCAs = c.CAs
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		id, err := peerID(cs)
		if err != nil {
			return err
		}
		if !isMember(id) {
			return fmt.Errorf("%w: %q", errNotMember, id)
		}
		return nil
	}
	return cfg
}

// ClientConfig returns the configuration for dialling the node named id:
// its certificate must come from the cluster CA and name exactly id.
func (c *Credentials) ClientConfig(id string) *tls.Config {
	cfg := c.baseConfig()
	cfg.RootCAs = c.CAs
	cfg.ServerName = id
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		got, err := peerID(cs)
		if err != nil {
			return err
		}
		if got != id {
			return fmt.Errorf("peer certificate names %q, want %q", got, id)
		}
		return nil
	}
	return cfg
}

// peerID returns the node ID a verified peer certificate names: its common
// name, which must also be one of its DNS names.
func peerID(cs tls.ConnectionState) (string, error) {
	if len(cs.PeerCertificates) == 0 {
		return "", errors.New("peer sent no certificate")
	}
	leaf := cs.PeerCertificates[0]
	id := leaf.Subject.CommonName
	if !ValidNodeID(id) || !slices.Contains(leaf.DNSNames, id) {
		return "", fmt.Errorf("peer certificate does not name a node: common name %q", id)
	}
	return id, nil
}
