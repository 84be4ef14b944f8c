package peertls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// clientLifetime is how long a client certificate is valid.
const clientLifetime = 365 * 24 * time.Hour

// ClientCertFile and ClientKeyFile name a floor client's certificate and
// key inside the PKI directory.
func ClientCertFile(name string) string { return "client-" + name + ".crt" }

// ClientKeyFile names a floor client's key inside the PKI directory.
func ClientKeyFile(name string) string { return "client-" + name + ".key" }

// IssueClientCert issues, under the cluster CA kept in dir, a certificate
// for a client of the high side's gateways: its common name is the
// subject the gateway records as the actor of every submission it makes.
// name follows the node-id rules. The key file has mode 0600; an existing
// certificate is never overwritten.
func IssueClientCert(dir, name string) error {
	if !ValidNodeID(name) {
		return fmt.Errorf("malformed client name %q: want 1 to 63 characters of a-z, 0-9 and '-'", name)
	}
	ca, caKey, err := loadCA(dir)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("failed to generate key for client %s: %w", name, err)
	}
	now := time.Now().UTC()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(clientLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("failed to create certificate for client %s: %w", name, err)
	}
	return writeKeyPair(dir, ClientCertFile(name), ClientKeyFile(name), der, key)
}

// loadCA reads the CA certificate and key of dir.
func loadCA(dir string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	certPEM, err := os.ReadFile(filepath.Join(dir, CACertFile))
	if err != nil {
		return nil, nil, fmt.Errorf("failed to read CA certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, CAKeyFile))
	if err != nil {
		return nil, nil, fmt.Errorf("failed to read CA key: %w", err)
	}
	defer clear(keyPEM)
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, nil, errors.New("CA certificate or key is not PEM")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("malformed CA certificate: %w", err)
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("malformed CA key: %w", err)
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, nil, errors.New("CA key is not ECDSA")
	}
	return cert, key, nil
}

// GatewayServerConfig is the TLS configuration of a gateway: TLS 1.3,
// the hybrid X25519MLKEM768 key exchange only, and a client certificate
// issued by the cluster CA required of every client.
func GatewayServerConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("failed to load gateway certificate: %w", err)
	}
	pemCA, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("failed to read cluster CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemCA) {
		return nil, fmt.Errorf("no certificate in %s", caFile)
	}
	return &tls.Config{
		Certificates:     []tls.Certificate{cert},
		ClientCAs:        pool,
		ClientAuth:       tls.RequireAndVerifyClientCert,
		MinVersion:       tls.VersionTLS13,
		CurvePreferences: CurvePreferences,
	}, nil
}

// GatewayClientConfig is the TLS configuration of a gateway client named
// name: it trusts only the cluster CA in pkiDir, presents the certificate
// IssueClientCert made there for name, and offers only the hybrid key
// exchange.
func GatewayClientConfig(pkiDir, name string) (*tls.Config, error) {
	caFile := filepath.Join(pkiDir, CACertFile)
	pemCA, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("failed to read cluster CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemCA) {
		return nil, fmt.Errorf("no certificate in %s", caFile)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(pkiDir, ClientCertFile(name)),
		filepath.Join(pkiDir, ClientKeyFile(name)))
	if err != nil {
		return nil, fmt.Errorf("failed to load the client certificate of %s: %w", name, err)
	}
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert},
		MinVersion: tls.VersionTLS13, CurvePreferences: CurvePreferences}, nil
}
