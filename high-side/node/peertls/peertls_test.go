package peertls

import (
	"crypto/tls"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestGeneratePKIFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	if err := GeneratePKI(dir, []string{"node-1", "node-2"}, []string{"127.0.0.1", "localhost"}); err != nil {
		t.Fatalf("GeneratePKI: %v", err)
	}
	tests := []struct {
		name string
		mode os.FileMode
	}{
		{CACertFile, 0o644}, {CAKeyFile, 0o600},
		{NodeCertFile("node-1"), 0o644}, {NodeKeyFile("node-1"), 0o600},
		{NodeCertFile("node-2"), 0o644}, {NodeKeyFile("node-2"), 0o600},
	}
	for _, tt := range tests {
		fi, err := os.Stat(filepath.Join(dir, tt.name))
		if err != nil {
			t.Fatalf("stat %s: %v", tt.name, err)
		}
		if got := fi.Mode().Perm(); got != tt.mode {
			t.Errorf("%s mode = %04o, want %04o", tt.name, got, tt.mode)
		}
	}
	creds := loadNode(t, dir, "node-1")
	leaf := creds.Cert.Leaf
	if leaf.Subject.CommonName != "node-1" || len(leaf.IPAddresses) != 1 || !leaf.IPAddresses[0].IsLoopback() {
		t.Errorf("node-1 certificate: CN %q IPs %v, want node-1 and 127.0.0.1", leaf.Subject.CommonName, leaf.IPAddresses)
	}
	if err := GeneratePKI(dir, []string{"node-1"}, nil); err == nil {
		t.Error("GeneratePKI over an existing CA succeeded, want error")
	}
}

func TestGeneratePKIRejectsBadIDs(t *testing.T) {
	for _, id := range []string{"", "Node1", "a/b", "-x", "x-", string(make([]byte, 64))} {
		if err := GeneratePKI(t.TempDir(), []string{id}, nil); err == nil {
			t.Errorf("GeneratePKI(%q) succeeded, want error", id)
		}
	}
}

func TestLoadCredentialsRejectsOpenKey(t *testing.T) {
	dir := newPKI(t, "node-1")
	key := filepath.Join(dir, NodeKeyFile("node-1"))
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadCredentials(filepath.Join(dir, CACertFile), filepath.Join(dir, NodeCertFile("node-1")), key)
	if err == nil {
		t.Fatal("LoadCredentials with a 0644 key succeeded, want error")
	}
}

// TestHandshake dials a stream layer with clients that differ in one
// respect each, and checks which ones the server lets through.
func TestHandshake(t *testing.T) {
	dir := newPKI(t, "node-1", "node-2", "outsider")
	foreign := newPKI(t, "node-2")
	server := loadNode(t, dir, "node-1")
	member := loadNode(t, dir, "node-2")

	tests := []struct {
		name   string
		config func() *tls.Config
		ok     bool
	}{
		{"member", func() *tls.Config { return member.ClientConfig("node-1") }, true},
		{"classical-only groups", func() *tls.Config {
			c := member.ClientConfig("node-1")
			c.CurvePreferences = []tls.CurveID{tls.X25519, tls.CurveP256}
			return c
		}, false},
		{"tls 1.2", func() *tls.Config {
			c := member.ClientConfig("node-1")
			c.MinVersion, c.MaxVersion, c.CurvePreferences = tls.VersionTLS12, tls.VersionTLS12, nil
			return c
		}, false},
		{"no client certificate", func() *tls.Config {
			c := member.ClientConfig("node-1")
			c.Certificates = nil
			return c
		}, false},
		{"certificate from another CA", func() *tls.Config {
			c := loadNode(t, foreign, "node-2").ClientConfig("node-1")
			c.RootCAs = server.CAs
			return c
		}, false},
		{"not a member", func() *tls.Config { return loadNode(t, dir, "outsider").ClientConfig("node-1") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := listen(t, server, Membership{"127.0.0.1:1": "node-1", "127.0.0.1:2": "node-2"})
			go serveOne(s)
			got := roundTrip(s.Addr().String(), tt.config())
			if got != tt.ok {
				t.Errorf("connection accepted = %v, want %v", got, tt.ok)
			}
			if !tt.ok {
				// The server counts the failure after the client sees it.
				for deadline := time.Now().Add(10 * time.Second); s.Rejected() == 0 && time.Now().Before(deadline); {
					time.Sleep(5 * time.Millisecond)
				}
			}
			if tt.ok != (s.Rejected() == 0) {
				t.Errorf("server rejected %d handshakes, want rejection %v", s.Rejected(), !tt.ok)
			}
		})
	}
}

// TestDialChecksPeerIdentity dials an address the membership gives to one
// node while another node answers there.
func TestDialChecksPeerIdentity(t *testing.T) {
	dir := newPKI(t, "node-1", "node-2", "node-3")
	a1, a2 := freeAddr(t), freeAddr(t)
	// node-1 answers at the address the membership gives to node-3.
	members := Membership{a1: "node-3", a2: "node-2", "127.0.0.1:9": "node-1"}
	s1 := listenAt(t, a1, loadNode(t, dir, "node-1"), members)
	go serveOne(s1)
	s2 := listenAt(t, a2, loadNode(t, dir, "node-2"), members)

	if _, err := s2.Dial(raft.ServerAddress(a1), 5*time.Second); err == nil {
		t.Error("Dial to an impostor succeeded, want error")
	}
	if _, err := s2.Dial("127.0.0.1:11", time.Second); err == nil {
		t.Error("Dial to a non-member address succeeded, want error")
	}
}

func TestDialAndAccept(t *testing.T) {
	dir := newPKI(t, "node-1", "node-2")
	a1, a2 := freeAddr(t), freeAddr(t)
	members := Membership{a1: "node-1", a2: "node-2"}
	s1 := listenAt(t, a1, loadNode(t, dir, "node-1"), members)
	s2 := listenAt(t, a2, loadNode(t, dir, "node-2"), members)
	go serveOne(s1)

	c, err := s2.Dial(raft.ServerAddress(a1), 5*time.Second)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.Close()
	buf := make([]byte, 2)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ok" {
		t.Fatalf("read %q, %v; want \"ok\"", buf, err)
	}
	st := c.(interface{ ConnectionState() tls.ConnectionState }).ConnectionState()
	if st.Version != tls.VersionTLS13 || st.CurveID != tls.X25519MLKEM768 {
		t.Errorf("negotiated version %x group %v, want TLS 1.3 with X25519MLKEM768", st.Version, st.CurveID)
	}
}

func newPKI(t *testing.T, ids ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pki")
	if err := GeneratePKI(dir, ids, []string{"127.0.0.1"}); err != nil {
		t.Fatalf("GeneratePKI: %v", err)
	}
	return dir
}

func loadNode(t *testing.T, dir, id string) *Credentials {
	t.Helper()
	c, err := LoadCredentials(filepath.Join(dir, CACertFile),
		filepath.Join(dir, NodeCertFile(id)), filepath.Join(dir, NodeKeyFile(id)))
	if err != nil {
		t.Fatalf("LoadCredentials(%s): %v", id, err)
	}
	return c
}

func listen(t *testing.T, c *Credentials, m Membership) *StreamLayer {
	return listenAt(t, "127.0.0.1:0", c, m)
}

func listenAt(t *testing.T, addr string, c *Credentials, m Membership) *StreamLayer {
	t.Helper()
	s, err := Listen(addr, "", c, m, nil)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// freeAddr returns a loopback address with a port that was free a moment
// ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serveOne accepts one connection, writes "ok" and closes it.
func serveOne(s *StreamLayer) {
	c, err := s.Accept()
	if err != nil {
		return
	}
	c.Write([]byte("ok"))
	c.Close()
}

// roundTrip reports whether a client with cfg completes a handshake and
// reads the server's "ok".
func roundTrip(addr string, cfg *tls.Config) bool {
	c, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 2)
	_, err = io.ReadFull(c, buf)
	return err == nil && string(buf) == "ok"
}
