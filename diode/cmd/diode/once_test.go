package main

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"bastion/diode"
	"bastion/diode/internal/wire"
	"bastion/test/lossylink"
)

// dropping starts a link to to that drops the datagrams drop picks.
func dropping(t *testing.T, to string, drop func(i uint64, h wire.Header) bool) *lossylink.Link {
	l, err := lossylink.New(lossylink.Config{To: to, Drop: func(i uint64, b []byte) bool {
		h, err := wire.ParseHeader(b)
		return err == nil && drop(i, h)
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Run(ctx) }()
	t.Cleanup(func() { cancel(); l.Close(); <-done })
	return l
}

// recv --once always ends: when the announcements are lost it gives up
// after --session-timeout, and when batches are lost it names them; the
// exit status is 1 in both cases.
func TestOnceEndsWhenDataIsMissing(t *testing.T) {
	for _, tc := range []struct {
		name string
		drop func(i uint64, h wire.Header) bool
		want string
	}{
		{"every announcement lost", func(_ uint64, h wire.Header) bool { return h.Type == wire.TypeAnnounce },
			"no batch received: unannounced: "},
		{"second half of the shards lost", func(i uint64, h wire.Header) bool { return h.Type == wire.TypeShard && i >= 600 },
			"batch(es) lost: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := keys(t)
			addr := freePort(t)
			wait := start(t, dir, nil, "recv", "--listen", addr, "--key", "guard.key",
				"--verify-key", "sender.pub", "--out", "-", "--once", "--session-timeout", "500ms")
			link := dropping(t, addr, tc.drop)
			waitBound(t, addr)
			args := []string{"send", "--to", link.Addr().String(), "--key", "guard.pub", "--sign-key", "sender.key",
				"--name", "stream", "--chunk", "100000", "--no-carousel", "--rate", "50000000"}
			if s := run(t, dir, random(1_000_000, 3), args...); s.err != nil {
				t.Fatalf("send: %v: %s", s.err, s.stderr)
			}
			r := wait()
			var ee *exec.ExitError
			if !errors.As(r.err, &ee) || ee.ExitCode() != 1 {
				t.Fatalf("recv exit: %v, want status 1; stderr: %s", r.err, r.stderr)
			}
			if !strings.Contains(string(r.stderr), tc.want) {
				t.Errorf("recv stderr %q, want it to contain %q", r.stderr, tc.want)
			}
		})
	}
}

// exitCode returns the exit status of a finished run, -1 if it did not exit.
func exitCode(r result) int {
	var ee *exec.ExitError
	if r.err == nil {
		return 0
	}
	if errors.As(r.err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// wantFailure fails t unless r exited 1 with a last stderr line that
// starts "diode: " and holds every one of want.
func wantFailure(t *testing.T, r result, want ...string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(string(r.stderr)), "\n")
	last := lines[len(lines)-1]
	if code := exitCode(r); code != 1 {
		t.Errorf("recv exit %d, want 1; stderr: %s", code, r.stderr)
	}
	for _, w := range append([]string{"diode: "}, want...) {
		if !strings.Contains(last, w) {
			t.Errorf("recv last stderr line %q, want it to contain %q", last, w)
		}
	}
}

// recvOnce starts recv --once into a new directory with a short session
// timeout; it returns the address it listens on and the directory.
func recvOnce(t *testing.T, dir string, more ...string) (addr, out string, wait func() result) {
	addr, out = freePort(t), t.TempDir()
	args := append([]string{"recv", "--listen", addr, "--key", "guard.key", "--verify-key", "sender.pub",
		"--out", out, "--once", "--session-timeout", "500ms"}, more...)
	wait = start(t, dir, nil, args...)
	waitBound(t, addr)
	return addr, out, wait
}

// A receiver holding the wrong guard key verifies the announcement but
// opens nothing: it exits 1 naming the failed datagrams and the key, and
// writes no file.
func TestOnceWrongGuardKey(t *testing.T) {
	dir, other := keys(t), keys(t)
	for _, f := range []string{"guard.pub", "sender.key", "sender.pub"} {
		if err := os.WriteFile(filepath.Join(other, f), mustRead(t, filepath.Join(dir, f)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	addr, out, wait := recvOnce(t, other)
	args := append([]string{"send", "--to", addr, "--key", "guard.pub", "--sign-key", "sender.key",
		"--no-carousel"}, fast[:2]...)
	if s := run(t, dir, random(300_000, 4), args...); s.err != nil {
		t.Fatalf("send: %v: %s", s.err, s.stderr)
	}
	wantFailure(t, wait(), "no batch received: ", "datagram(s) failed authentication",
		"(is --key the guard key the sender encrypts to?)")
	if got := listDir(t, out); len(got) != 0 {
		t.Errorf("--out holds %v, want nothing", got)
	}
}

// A sender that announces its session and closes it without a batch
// leaves the receiver with nothing: it exits 1 saying so.
func TestOnceSessionWithoutBatch(t *testing.T) {
	dir := keys(t)
	addr, _, wait := recvOnce(t, dir)
	pub, err := diode.ReadPublicKeyFile(filepath.Join(dir, "guard.pub"))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := readSigner(filepath.Join(dir, "sender.key"))
	if err != nil {
		t.Fatal(err)
	}
	ua, _ := net.ResolveUDPAddr("udp", addr)
	conn, err := net.DialUDP("udp", nil, ua)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s, err := diode.NewSender(conn, diode.SenderConfig{Link: "diode", RecipientKey: pub, Signer: signer}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	wantFailure(t, wait(), "no batch received: the sender closed its session without sending a batch")
}

// With no session announced and nothing heard for --session-timeout, recv
// --once gives up with status 1; a sender that rejects its input does so
// before announcing a session, so the receiver hears nothing of it.
func TestOnceGivesUpWithoutSession(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sender func(t *testing.T, dir, addr string)
		want   string
	}{
		{"no sender", func(*testing.T, string, string) {}, "no batch received: no session announced within 500ms"},
		{"bad --name", func(t *testing.T, dir, addr string) {
			sendFails(t, dir, 2, "--to", addr, "--name", ".hidden", "-")
		}, "no batch received: no session announced within 500ms"},
		{"missing input", func(t *testing.T, dir, addr string) {
			sendFails(t, dir, 1, "--to", addr, "no-such-file")
		}, "no batch received: no session announced within 500ms"},
		{"garbage only", func(t *testing.T, _, addr string) {
			c, err := net.Dial("udp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for range 6 { // several, in case the first came before the bind
				c.Write([]byte("not a diode datagram"))
				time.Sleep(50 * time.Millisecond)
			}
		}, "no batch received: no session announced, and nothing heard for 500ms after "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := keys(t)
			addr, _, wait := recvOnce(t, dir)
			tc.sender(t, dir, addr)
			wantFailure(t, wait(), tc.want)
		})
	}
}

// sendFails runs diode send with args and the test keys and wants exit
// status code.
func sendFails(t *testing.T, dir string, code int, args ...string) {
	t.Helper()
	base := []string{"send", "--key", "guard.pub", "--sign-key", "sender.key"}
	r := run(t, dir, []byte("data"), append(base, args...)...)
	if got := exitCode(r); got != code {
		t.Fatalf("send exit %d, want %d; stderr: %s", got, code, r.stderr)
	}
}

// recv --listen with port 0 says which port the kernel chose, so that a
// sender can reach it.
func TestListenPortZeroReported(t *testing.T) {
	dir := keys(t)
	r := run(t, dir, nil, "recv", "--listen", "127.0.0.1:0", "--key", "guard.key", "--verify-key", "sender.pub",
		"--out", "-", "--once", "--session-timeout", "200ms")
	m := regexp.MustCompile(`diode: listening on 127\.0\.0\.1:(\d+)\n`).FindStringSubmatch(string(r.stderr))
	if m == nil || m[1] == "0" {
		t.Errorf("stderr %q, want the chosen port named", r.stderr)
	}
}
