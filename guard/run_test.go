package guard

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bastion/diode"
	"bastion/guard/export"
	"bastion/guard/guardtest"
)

// flipProxy forwards datagrams from its socket to dst and flips one body
// byte of the n-th shard datagram (type 2 at offset 5; body after the
// 44-byte header).
func flipProxy(t *testing.T, dst *net.UDPAddr, n int) *net.UDPAddr {
	t.Helper()
	in, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := net.DialUDP("udp", nil, dst)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close(); out.Close() })
	go func() {
		buf := make([]byte, 65536)
		shards := 0
		for {
			k, _, err := in.ReadFromUDP(buf)
			if err != nil {
				return
			}
			d := buf[:k]
			if k > 60 && d[5] == 2 {
				if shards++; shards == n {
					d[50] ^= 0x01
				}
			}
			out.Write(d)
		}
	}()
	return in.LocalAddr().(*net.UDPAddr)
}

func freeUDPPort(t *testing.T) *net.UDPAddr {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr)
}

// TestRunOverDiode runs the guard daemon behind a real diode link whose
// third shard datagram has a flipped byte: the receiver's AEAD rejects
// that datagram, FEC rebuilds the batch without it, and both batches are
// archived and published.
func TestRunOverDiode(t *testing.T) {
	dir := t.TempDir()
	hs := guardtest.New(t, testLink)
	keyFile := filepath.Join(dir, "high-side.pub")
	os.WriteFile(keyFile, hs.KeyText(), 0o644)
	priv, pub, err := diode.GenerateRecipientKey()
	if err != nil {
		t.Fatal(err)
	}
	hpke := filepath.Join(dir, "guard.key")
	if err := diode.WritePrivateKeyFile(hpke, priv); err != nil {
		t.Fatal(err)
	}
	listen := freeUDPPort(t)
	cfg := &Config{Link: testLink, Listen: listen.String(), HPKEKeyFile: hpke, HighSideKeyFile: keyFile,
		ReleaseLabel: "confidential/trading", StateDir: filepath.Join(dir, "state"),
		ExportDir: filepath.Join(dir, "export")}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bound := make(chan struct{})
	listening = func(net.Addr) { close(bound) }
	defer func() { listening = func(net.Addr) {} }()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, nil) }()
	select {
	case <-bound:
	case err := <-done:
		t.Fatalf("Run = %v before listening", err)
	}

	conn, err := net.DialUDP("udp", nil, flipProxy(t, listen, 3))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s, err := diode.NewSender(conn, diode.SenderConfig{Link: testLink, RecipientKey: pub,
		Signer: hs.Signer, Rate: diode.RateUnlimited, ShardSize: 512, ParityShards: 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 2 {
		for j := range 20 {
			hs.Append(t, guardtest.Order(t, 100*i+j, guardtest.Releasable))
		}
		seq, raw := hs.Next(t)
		if err := s.Send(ctx, seq, raw); err != nil {
			t.Fatal(err)
		}
	}

	head := waitChainHead(t, cfg.ExportDir, 2, 30*time.Second)
	if head.Size != 40 || head.Root != hs.Root(t, 40) {
		t.Fatalf("chain head %+v, want size 40 and the high side's root", head)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel = %v, want nil", err)
	}
	log, _ := os.ReadFile(filepath.Join(cfg.StateDir, LogFile))
	if !bytes.Contains(log, []byte(`"stage":"diode","decision":"event","reason":"auth_failure`)) {
		t.Fatalf("no diode auth_failure event in the guard log:\n%s", log)
	}
	if !strings.Contains(string(log), "guard stopping") {
		t.Fatalf("clean stop not logged")
	}
}

// waitChainHead polls the export directory until its chain head reaches
// seq; it fails after limit (a liveness bound, not a speed assertion).
func waitChainHead(t *testing.T, dir string, seq uint64, limit time.Duration) export.ChainHead {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(filepath.Join(dir, export.ChainHeadFile))
		if err == nil {
			if h, err := export.ParseChainHead(b); err == nil && h.Seq >= seq {
				return h
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("chain head did not reach seq %d", seq)
	return export.ChainHead{}
}
