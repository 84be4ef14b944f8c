package fix

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// testPKI is a throw-away CA with a server certificate for 127.0.0.1 and
// client certificates issued on demand.
type testPKI struct {
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	pool   *x509.CertPool
	server tls.Certificate
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	p := &testPKI{ca: ca, caKey: key, pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	p.server = p.issue(t, "acceptor", x509.ExtKeyUsageServerAuth)
	return p
}

// issue returns a certificate with subject CommonName cn signed by the CA.
func (p *testPKI) issue(t *testing.T, cn string, usage x509.ExtKeyUsage) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// client returns the TLS configuration of a counterparty holding a
// certificate with CommonName cn.
func (p *testPKI) client(t *testing.T, cn string) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: p.pool, ServerName: "127.0.0.1",
		Certificates: []tls.Certificate{p.issue(t, cn, x509.ExtKeyUsageClientAuth)}}
}

// captureConn collects what is written to it, so that several messages
// can reach the peer in one write.
type captureConn struct {
	net.Conn
	b bytes.Buffer
}

func (c *captureConn) Write(p []byte) (int, error)      { return c.b.Write(p) }
func (c *captureConn) SetWriteDeadline(time.Time) error { return nil }

// lockedBuffer is a log sink safe for the acceptor's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// boundSessions: DESK1 is onboarded for two certificates; DESK42 lists
// none, so only a certificate named DESK42 may use it.
var boundSessions = []SessionConfig{
	{BeginString: FIX44, SenderCompID: "DESK1", Trader: "T1", Certificates: []string{"desk-one", "desk-one-2027"}},
	{BeginString: FIX42, SenderCompID: "DESK42", Trader: "T4"},
}

// startTLSAcceptor serves FIX over TLS 1.3 with verified client
// certificates, as bastion-node does, with RequireCertificate set.
func startTLSAcceptor(t *testing.T, p *testPKI) (string, *fakeSubmitter, *lockedBuffer) {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := tls.NewListener(raw, &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{p.server},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: p.pool})
	sub, logs := newFakeSubmitter(), &lockedBuffer{}
	a := NewAcceptor(AcceptorConfig{CompID: acceptorID, Sessions: boundSessions, LogonTimeout: 2 * time.Second,
		RequireCertificate: true}, sub, slog.New(slog.NewTextHandler(logs, nil)))
	served := make(chan error, 1)
	go func() { served <- a.Serve(ln) }()
	t.Cleanup(func() {
		a.Close()
		if err := <-served; !errors.Is(err, ErrAcceptorClosed) {
			t.Errorf("Serve returned %v, want ErrAcceptorClosed", err)
		}
		goleak.VerifyNone(t)
	})
	return ln.Addr().String(), sub, logs
}

// TestLogonBoundToCertificate logs on over real TLS with certificates of
// various names as various CompIDs: only the pairs the configuration binds
// log on, and an order goes through on each of them.
func TestLogonBoundToCertificate(t *testing.T) {
	p := newTestPKI(t)
	addr, sub, logs := startTLSAcceptor(t, p)
	tests := []struct {
		name, cn, sender, begin string
		refusal                 string // "" when the Logon must succeed
	}{
		{"listed certificate", "desk-one", "DESK1", FIX44, ""},
		{"second listed certificate", "desk-one-2027", "DESK1", FIX44, ""},
		{"CommonName equals CompID", "DESK42", "DESK42", FIX42, ""},
		{"certificate of another firm", "desk-two", "DESK1", FIX44,
			`SenderCompID "DESK1" is not bound to client certificate "desk-two"`},
		{"listed certificate, other CompID", "desk-one", "DESK42", FIX42,
			`SenderCompID "DESK42" does not match client certificate "desk-one"`},
		{"CompID differs in case", "desk42", "DESK42", FIX42,
			`SenderCompID "DESK42" does not match client certificate "desk42"`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Dial(ctx5(t), addr, InitiatorConfig{BeginString: tt.begin, SenderCompID: tt.sender,
				TargetCompID: acceptorID, TLS: p.client(t, tt.cn)})
			if tt.refusal != "" {
				if err == nil {
					c.Close()
					t.Fatalf("logon as %s with certificate %q succeeded, want refusal", tt.sender, tt.cn)
				}
				if !strings.Contains(err.Error(), tt.refusal) {
					t.Errorf("got %v, want the Logout to say %q", err, tt.refusal)
				}
				return
			}
			if err != nil {
				t.Fatalf("logon as %s with certificate %q: %v", tt.sender, tt.cn, err)
			}
			defer c.Close()
			rep, err := c.SendOrder(ctx5(t), testOrder("B-"+string(rune('a'+i)), "AAPL"))
			if err != nil || rep.OrdStatus != "0" {
				t.Errorf("order: status %q, %v; want accepted", rep.OrdStatus, err)
			}
		})
	}
	if orders, _ := sub.submitted(); len(orders) != 3 {
		t.Errorf("%d orders submitted, want 3 (one per bound session)", len(orders))
	}
	if l := logs.String(); !strings.Contains(l, "cert_cn=desk-two") || !strings.Contains(l, `msg="fix logon refused"`) {
		t.Errorf("refusal of desk-two not logged with its certificate:\n%s", l)
	}
}

// TestMismatchedLogonProcessesNothing sends a Logon with a SenderCompID
// its certificate is not bound to and an order right behind it in the
// same write: the acceptor answers with a Logout naming the reason, closes
// the connection and never submits the order.
func TestMismatchedLogonProcessesNothing(t *testing.T) {
	p := newTestPKI(t)
	addr, sub, logs := startTLSAcceptor(t, p)
	conn, err := tls.Dial("tcp", addr, p.client(t, "desk-two"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	var both captureConn
	l := &link{conn: &both, begin: FIX44, sender: "DESK1", target: acceptorID, nextOut: 1}
	for _, m := range []*Message{NewLogon(FIX44, 30, true), testOrder("SMUGGLED", "AAPL").Message(FIX44)} {
		if _, err := l.send(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Write(both.b.Bytes()); err != nil {
		t.Fatal(err)
	}
	r := NewReader(conn)
	m, _, err := r.Read()
	if err != nil {
		t.Fatalf("reading the reply: %v", err)
	}
	text, _ := m.Get(TagText)
	if want := `SenderCompID "DESK1" is not bound to client certificate "desk-two"`; m.MsgType != MsgLogout || text != want {
		t.Errorf("reply %s %q, want Logout (5) %q", m.MsgType, text, want)
	}
	if _, _, err := r.Read(); err == nil {
		t.Error("connection still open after the refused Logon, want it closed")
	}
	if orders, _ := sub.submitted(); len(orders) != 0 {
		t.Errorf("%d orders submitted from a refused session, want 0", len(orders))
	}
	if l := logs.String(); !strings.Contains(l, "level=WARN") || !strings.Contains(l, "cert_cn=desk-two") {
		t.Errorf("refusal not logged at Warn with the certificate:\n%s", l)
	}
}

// TestPlainLogonNeedsCertificate: with RequireCertificate, a Logon over
// plain TCP is refused; without it, the existing plain-TCP sessions of
// tests and the replay harness are unaffected.
func TestPlainLogonNeedsCertificate(t *testing.T) {
	for _, require := range []bool{true, false} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		a := NewAcceptor(AcceptorConfig{CompID: acceptorID, Sessions: boundSessions, RequireCertificate: require},
			newFakeSubmitter(), nil)
		go a.Serve(ln)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := Dial(ctx, ln.Addr().String(), InitiatorConfig{BeginString: FIX42, SenderCompID: "DESK42", TargetCompID: acceptorID})
		cancel()
		want := `SenderCompID "DESK42" needs a verified client certificate`
		switch {
		case require && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("RequireCertificate, plain TCP: got %v, want refusal %q", err, want)
		case !require && err != nil:
			t.Errorf("plain TCP without RequireCertificate: %v, want logon", err)
		}
		if c != nil {
			c.Close()
		}
		a.Close()
	}
	goleak.VerifyNone(t)
}
