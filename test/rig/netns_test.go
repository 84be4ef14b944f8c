//go:build rig

package rig

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// requireRoot skips the test without root or the tools it needs, or fails
// it under CI=true, which runs as root.
func requireRoot(t *testing.T) {
	t.Helper()
	missing := ""
	if os.Geteuid() != 0 {
		missing = "root (network namespaces and nftables)"
	}
	for _, tool := range []string{"ip", "nft", "ss"} {
		if _, err := exec.LookPath(tool); err != nil && missing == "" {
			missing = tool + " (iproute2, nftables)"
		}
	}
	if missing == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("the one-way rig needs %s", missing)
	}
	t.Skipf("the one-way rig needs %s", missing)
}

// sh runs a command and returns its stdout; a failure fails the test with
// the command's stderr.
func sh(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// inNS prefixes a command so that it runs in namespace ns.
func inNS(ns string, args ...string) []string {
	return append([]string{"ip", "netns", "exec", ns}, args...)
}

// enter runs fn on an OS thread moved into namespace ns. Sockets fn opens
// stay in ns after the thread moves back. A thread that cannot move back
// is never reused: it stays locked to the goroutine, which ends.
func enter(ns string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		self, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("failed to open own namespace: %w", err)
			return
		}
		defer self.Close()
		target, err := os.Open("/run/netns/" + ns)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("failed to open namespace %s: %w", ns, err)
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("failed to enter namespace %s: %w", ns, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("failed to leave namespace %s: %w", ns, err)
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// counter returns the packets counted by the rule of table and chain in
// namespace ns whose comment is comment.
func counter(t *testing.T, ns, family, table, chain, comment string) uint64 {
	t.Helper()
	var doc struct {
		Nftables []struct {
			Rule *struct {
				Chain   string `json:"chain"`
				Comment string `json:"comment"`
				Expr    []struct {
					Counter *struct {
						Packets uint64 `json:"packets"`
					} `json:"counter"`
				} `json:"expr"`
			} `json:"rule"`
		} `json:"nftables"`
	}
	out := sh(t, inNS(ns, "nft", "-j", "list", "table", family, table)...)
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("nft -j list table %s %s: %v", family, table, err)
	}
	for _, o := range doc.Nftables {
		if r := o.Rule; r != nil && r.Chain == chain && r.Comment == comment {
			for _, e := range r.Expr {
				if e.Counter != nil {
					return e.Counter.Packets
				}
			}
		}
	}
	t.Fatalf("no counter in %s %s chain %s with comment %q", family, table, chain, comment)
	return 0
}

// linkMAC returns the hardware address of interface dev in namespace ns.
func linkMAC(t *testing.T, ns, dev string) string {
	t.Helper()
	var links []struct {
		Address string `json:"address"`
	}
	out := sh(t, "ip", "-n", ns, "-j", "link", "show", "dev", dev)
	if err := json.Unmarshal([]byte(out), &links); err != nil || len(links) != 1 {
		t.Fatalf("ip -j link show %s in %s: %v in %q", dev, ns, err, out)
	}
	return links[0].Address
}

// waitFor polls cond every 50 ms until it holds or limit passes; it
// reports whether it held. It bounds waits for another process; it is not
// a timing assertion.
func waitFor(limit time.Duration, cond func() bool) bool {
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}
