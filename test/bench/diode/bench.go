package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// bench holds what every run shares: the namespace, the input file and
// the diode keys.
type bench struct {
	o    options
	ns   *namespace
	work string
	in   string   // input file
	sum  [32]byte // its SHA-256
	size int64
}

// prepare writes the seeded input file and the diode keys.
func (b *bench) prepare() error {
	b.size = int64(b.o.sizeMB) * 1_000_000
	b.in = filepath.Join(b.work, "data.bin")
	f, err := os.Create(b.in)
	if err != nil {
		return err
	}
	h := sha256.New()
	src := rand.NewChaCha8([32]byte{'b', 'e', 'n', 'c', 'h'})
	if _, err := io.CopyN(io.MultiWriter(f, h), src, b.size); err != nil {
		f.Close()
		return fmt.Errorf("failed to write input: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	copy(b.sum[:], h.Sum(nil))
	cmd := exec.Command(b.o.diode, "keygen", "--recipient", "guard", "--signing", "sender")
	cmd.Dir = b.work
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("diode keygen: %v: %s", err, out)
	}
	return nil
}

// all runs every tool at every payload and loss and returns the best run
// of each combination, then every attempt.
func (b *bench) all(ctx context.Context) (best, attempts []result, err error) {
	for _, loss := range b.o.losses {
		if err := b.ns.setLoss(ctx, loss); err != nil {
			return nil, nil, err
		}
		for _, p := range b.o.payloads {
			for _, t := range b.tools() {
				var tries []result
				for _, pace := range t.ladder {
					if ctx.Err() != nil {
						return nil, nil, ctx.Err()
					}
					r := t.run(ctx, p, pace)
					r.Tool, r.Payload, r.Loss = t.name, p, float64(loss)/100
					fmt.Fprintf(os.Stderr, "%s\n", r.line())
					tries = append(tries, r)
					if r.skipped {
						break
					}
				}
				if t.name == "iperf3" {
					best = append(best, ceiling(tries))
				} else {
					best = append(best, pick(tries))
				}
				attempts = append(attempts, tries...)
			}
		}
	}
	return best, attempts, nil
}

// tool is one program under test with its ladder of pacing rates in
// Mbit/s of wire traffic (0: unpaced).
type tool struct {
	name   string
	ladder []int
	run    func(ctx context.Context, payload, mbps int) result
}

func (b *bench) tools() []tool {
	return []tool{
		{"iperf3", []int{0, 0, 0}, b.iperf3},
		// udp-sender's --max-bitrate overflows above 2^31 bit/s.
		{"udpcast", []int{500, 1000, 1500, 2000}, b.udpcast},
		{"diode", []int{1000, 2000, 3000, 4000, 6000, 8000, 12000, 16000, 0}, func(ctx context.Context, payload, mbps int) result {
			return b.diode(ctx, payload, mbps)
		}},
		// The same without UDP segmentation offload, one datagram per
		// message as iperf3 and udpcast send: what the offload is worth.
		{"diode-no-gso", []int{2000, 3000, 4000, 6000, 0}, func(ctx context.Context, payload, mbps int) result {
			return b.diode(ctx, payload, mbps, "--no-gso")
		}},
	}
}

// pick returns the fastest run that delivered everything, or the fastest
// run if none did.
func pick(rs []result) result {
	best := -1
	for i, r := range rs {
		if best < 0 || r.OK && !rs[best].OK || r.OK == rs[best].OK && r.Goodput > rs[best].Goodput {
			best = i
		}
	}
	return rs[best]
}

// ceiling returns the iperf3 run with the highest received rate, lossy or
// not: the most this machine's receiver took in, so the ceiling is never
// lowered by preferring a slower run that happened to lose nothing.
func ceiling(rs []result) result {
	best := 0
	for i, r := range rs {
		if r.Goodput > rs[best].Goodput {
			best = i
		}
	}
	return rs[best]
}

// proc is a command running in the namespace, its output kept.
type proc struct {
	cmd         *exec.Cmd
	stdout, err bytes.Buffer
}

// start runs args in the namespace; it is killed when ctx ends.
func (b *bench) start(ctx context.Context, args ...string) (*proc, error) {
	p := &proc{cmd: b.ns.command(ctx, args...)}
	p.cmd.Dir = b.work
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.err
	p.cmd.WaitDelay = 2 * time.Second
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("failed to start %s: %w", args[0], err)
	}
	return p, nil
}

// wait waits for the command and returns an error naming the tool (after
// "ip netns exec NS") with the last line of its stderr.
func (p *proc) wait() error {
	if err := p.cmd.Wait(); err != nil {
		return fmt.Errorf("%s: %v: %s", filepath.Base(p.cmd.Args[4]), err, lastLine(p.err.String()))
	}
	return nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexAny(s, "\r\n"); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// waitBound polls until a socket in the namespace is bound to port (UDP
// if udp, else TCP), for at most 10 s.
func (b *bench) waitBound(ctx context.Context, port int, udp bool) error {
	kind := "-Htln"
	if udp {
		kind = "-Huln"
	}
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		out, _ := b.ns.command(ctx, "ss", kind, fmt.Sprintf("sport = :%d", port)).Output()
		if len(bytes.TrimSpace(out)) > 0 {
			return nil
		}
	}
	return fmt.Errorf("nothing bound port %d within 10 s", port)
}

// check compares a received file with the input.
func (b *bench) check(path string) (delivered int64, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	h := sha256.New()
	n, _ := io.Copy(h, f)
	return n, n == b.size && bytes.Equal(h.Sum(nil), b.sum[:])
}
