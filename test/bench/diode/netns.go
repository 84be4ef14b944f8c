package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// namespace is the private network namespace every run happens in.
type namespace struct{ name string }

// newNamespace creates the namespace with loopback up, multicast enabled
// on it and a multicast route, as udpcast needs.
func newNamespace(ctx context.Context, name string) (*namespace, error) {
	if err := sh(ctx, "ip", "netns", "add", name); err != nil {
		return nil, err
	}
	ns := &namespace{name}
	for _, args := range [][]string{
		{"ip", "-n", name, "link", "set", "lo", "up", "multicast", "on"},
		{"ip", "-n", name, "route", "add", "224.0.0.0/4", "dev", "lo"},
	} {
		if err := sh(ctx, args...); err != nil {
			ns.remove()
			return nil, err
		}
	}
	return ns, nil
}

// command prepares args to run inside the namespace.
func (ns *namespace) command(ctx context.Context, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns.name}, args...)...)
}

// setLoss replaces the loss rule: percent of the UDP datagrams of 1,000
// bytes or more are dropped at random on input.
func (ns *namespace) setLoss(ctx context.Context, percent int) error {
	rules := fmt.Sprintf(`table inet bench_loss
delete table inet bench_loss
table inet bench_loss {
	chain input {
		type filter hook input priority filter - 10; policy accept;
		udp length >= 1000 numgen random mod 100 < %d counter drop
	}
}
`, percent)
	cmd := ns.command(ctx, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("failed to load loss rule: %v: %s", err, out)
	}
	return nil
}

func (ns *namespace) remove() { exec.Command("ip", "netns", "del", ns.name).Run() }

// raiseBuffers raises net.core.rmem_max and wmem_max in the root
// namespace (a namespace cannot) to at least size; restore puts back what
// was there.
func raiseBuffers(size int) (restore func(), err error) {
	paths := []string{"/proc/sys/net/core/rmem_max", "/proc/sys/net/core/wmem_max"}
	var old [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("failed to read %s: %w", p, err)
		}
		old = append(old, b)
	}
	restore = func() {
		for i, p := range paths {
			os.WriteFile(p, old[i], 0o644)
		}
	}
	for i, p := range paths {
		var cur int
		fmt.Sscan(string(old[i]), &cur)
		if cur >= size {
			continue
		}
		if err := os.WriteFile(p, []byte(fmt.Sprint(size)), 0o644); err != nil {
			restore()
			return nil, fmt.Errorf("failed to raise %s: %w", p, err)
		}
	}
	return restore, nil
}

// sh runs a short command, returning its stderr in the error.
func sh(ctx context.Context, args ...string) error {
	var errb bytes.Buffer
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return nil
}
