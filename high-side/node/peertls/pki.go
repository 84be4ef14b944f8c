// Package peertls carries Raft traffic between the high-side nodes over
// mutually authenticated TLS 1.3.
//
// Every node holds a certificate issued by the cluster's own certificate
// authority, naming the node ID as its common name and as a DNS subject
// alternative name. A connection is accepted only from a peer whose
// certificate chains to that authority and names a configured member, and a
// node dials a peer only under the ID the membership gives its address.
// Key exchange is the hybrid X25519MLKEM768 group alone, so a peer that
// offers only classical groups cannot complete a handshake.
package peertls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// File names inside a PKI directory written by GeneratePKI.
const (
	CACertFile = "ca.crt" // the cluster CA certificate, PEM
	CAKeyFile  = "ca.key" // the cluster CA private key, PKCS #8 PEM, mode 0600
)

// Certificate lifetimes chosen by GeneratePKI.
const (
	caLifetime   = 10 * 365 * 24 * time.Hour
	nodeLifetime = 2 * 365 * 24 * time.Hour
)

// NodeCertFile returns the name of node id's certificate file in a PKI
// directory.
func NodeCertFile(id string) string { return id + ".crt" }

// NodeKeyFile returns the name of node id's private key file in a PKI
// directory; it is written with mode 0600.
func NodeKeyFile(id string) string { return id + ".key" }

// GeneratePKI creates a cluster CA and one certificate per node in dir
// (created with mode 0700 if missing). Every key is ECDSA P-256. A node
// certificate names the node ID as common name and DNS name, carries each
// of hosts as an IP address or DNS name, and is valid for both server and
// client authentication. GeneratePKI refuses to overwrite an existing CA
// key, and returns an error for an empty or malformed node ID.
func GeneratePKI(dir string, nodeIDs []string, hosts []string) error {
	if len(nodeIDs) == 0 {
		return errors.New("no node ids given")
	}
	for _, id := range nodeIDs {
		if !ValidNodeID(id) {
			return fmt.Errorf("malformed node id %q: want 1 to 63 characters of a-z, 0-9 and '-'", id)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("failed to create pki directory: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, CAKeyFile)); err == nil {
		return fmt.Errorf("refusing to overwrite existing CA key in %s", dir)
	}

	// Issue the authority, then each node under it.
	now := time.Now().UTC()
	caKey, caCert, err := newCA(now)
	if err != nil {
		return err
	}
	if err := writeKeyPair(dir, CACertFile, CAKeyFile, caCert.Raw, caKey); err != nil {
		return err
	}
	for _, id := range nodeIDs {
		key, der, err := newNodeCert(id, hosts, now, caCert, caKey)
		if err != nil {
			return err
		}
		if err := writeKeyPair(dir, NodeCertFile(id), NodeKeyFile(id), der, key); err != nil {
			return err
		}
	}
	return nil
}

// ValidNodeID reports whether id can name a node: 1 to 63 characters of
// a-z, 0-9 and '-', so that it is also a valid DNS label.
func ValidNodeID(id string) bool {
	if len(id) == 0 || len(id) > 63 || id[0] == '-' || id[len(id)-1] == '-' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func newCA(now time.Time) (*ecdsa.PrivateKey, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to generate CA key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "bastion cluster CA"},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to create CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to parse CA certificate: %w", err)
	}
	return key, cert, nil
}

func newNodeCert(id string, hosts []string, now time.Time, ca *x509.Certificate, caKey *ecdsa.PrivateKey) (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to generate key for node %s: %w", id, err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: id},
		DNSNames:     []string{id},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(nodeLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" && h != id {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to create certificate for node %s: %w", id, err)
	}
	return key, der, nil
}

// serial returns a random 128-bit certificate serial number.
func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		panic("peertls: crypto/rand failed: " + err.Error())
	}
	return n
}

func writeKeyPair(dir, certName, keyName string, certDER []byte, key *ecdsa.PrivateKey) error {
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("failed to encode %s: %w", keyName, err)
	}
	defer clear(keyDER)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	defer clear(keyPEM)
	if err := writeFile(filepath.Join(dir, keyName), keyPEM, 0o600); err != nil {
		return err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER})
	return writeFile(filepath.Join(dir, certName), certPEM, 0o644)
}

// writeFile writes b to a new file at path with mode perm, failing if the
// file exists.
func writeFile(path string, b []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("failed to create %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("failed to write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("failed to sync %s: %w", path, err)
	}
	return f.Close()
}
