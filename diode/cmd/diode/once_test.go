package main

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

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
			"transfer incomplete: unannounced: "},
		{"second half of the shards lost", func(i uint64, h wire.Header) bool { return h.Type == wire.TypeShard && i >= 600 },
			"batch(es) lost: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := keys(t)
			addr := freePort(t)
			wait := start(t, dir, nil, "recv", "--listen", addr, "--key", "guard.key",
				"--verify-key", "sender.pub", "--out", "-", "--once", "--session-timeout", "500ms")
			link := dropping(t, addr, tc.drop)
			time.Sleep(100 * time.Millisecond) // let the receiver bind
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
