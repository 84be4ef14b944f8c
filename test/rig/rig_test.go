//go:build rig

package rig

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"bastion/diode"
)

// The link: a private /30 that exists only inside the two namespaces.
const (
	hiDev, loDev   = "diode-hi", "diode-lo"
	hiAddr, loAddr = "10.254.254.1", "10.254.254.2"
	prefix         = "/30"
	port           = "7000"
	lossPercent    = 5
	transferBytes  = 50 << 20
)

// rig is a high and a low namespace joined by a veth pair, each with its
// domain's shipped ruleset loaded.
type rig struct {
	hi, lo string
	root   string // repository root
}

// newRig builds the namespaces; the test's cleanup removes them, also
// when the test fails half way.
func newRig(t *testing.T) *rig {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	r := &rig{
		hi:   fmt.Sprintf("bst-hi-%d", os.Getpid()),
		lo:   fmt.Sprintf("bst-lo-%d", os.Getpid()),
		root: filepath.Join(filepath.Dir(file), "..", ".."),
	}
	for _, ns := range []string{r.hi, r.lo} {
		t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
		sh(t, "ip", "netns", "add", ns)
	}
	sh(t, "ip", "-n", r.hi, "link", "add", hiDev, "type", "veth", "peer", "name", loDev, "netns", r.lo)
	sh(t, "ip", "-n", r.hi, "addr", "add", hiAddr+prefix, "dev", hiDev)
	sh(t, "ip", "-n", r.lo, "addr", "add", loAddr+prefix, "dev", loDev)

	// The rulesets go in while the link is still down, so no frame ever
	// crosses unfiltered.
	nftDir := filepath.Join(r.root, "images", "nftables")
	sh(t, inNS(r.hi, "nft", "-D", "DIODE_IF="+hiDev, "-D", "GUARD_ADDR="+loAddr, "-D", "DIODE_PORT="+port,
		"-f", filepath.Join(nftDir, "high-side.nft"))...)
	sh(t, inNS(r.lo, "nft", "-D", "DIODE_IF="+loDev, "-D", "SENDER_ADDR="+hiAddr, "-D", "DIODE_PORT="+port,
		"-f", filepath.Join(nftDir, "low-side.nft"))...)
	sh(t, inNS(r.lo, "nft", fmt.Sprintf(`table inet rig_loss {
		chain input {
			type filter hook input priority filter - 10; policy accept;
			iifname %q udp dport %s numgen random mod 100 < %d counter drop comment "random loss"
		}
	}`, loDev, port, lossPercent))...)
	return r
}

// up brings the link up and gives the high side a permanent neighbour
// entry for the guard, so it never needs an ARP reply.
func (r *rig) up(t *testing.T) {
	t.Helper()
	sh(t, "ip", "-n", r.hi, "link", "set", hiDev, "up")
	sh(t, "ip", "-n", r.lo, "link", "set", loDev, "up")
	sh(t, "ip", "-n", r.hi, "neigh", "replace", loAddr, "lladdr", linkMAC(t, r.lo, loDev),
		"dev", hiDev, "nud", "permanent")
}

// buildDiode builds the diode command into dir.
func (r *rig) buildDiode(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "diode")
	cmd := exec.Command("go", "build", "-o", bin, "./diode/cmd/diode")
	cmd.Dir = r.root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build diode: %v: %s", err, out)
	}
	return bin
}

// transfer moves file from the high namespace to the low one and returns
// both sides' statistics.
func (r *rig) transfer(t *testing.T, bin, dir, file, out string) (diode.SenderStats, diode.ReceiverStats) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var rout, rerr, sout, serr bytes.Buffer
	recv := exec.CommandContext(ctx, "ip", "netns", "exec", r.lo, bin, "recv", "--listen", loAddr+":"+port,
		"--key", "guard.key", "--verify-key", "sender.pub", "--out", out, "--once", "--json")
	recv.Dir, recv.Stdout, recv.Stderr = dir, &rout, &rerr
	if err := recv.Start(); err != nil {
		t.Fatal(err)
	}
	defer recv.Wait()
	bound := waitFor(30*time.Second, func() bool {
		o, _ := exec.Command("ip", "netns", "exec", r.lo, "ss", "-Huln", "sport", "= :"+port).Output()
		return len(bytes.TrimSpace(o)) > 0
	})
	if !bound {
		t.Fatalf("receiver did not bind %s:%s: %s", loAddr, port, rerr.String())
	}
	send := exec.CommandContext(ctx, "ip", "netns", "exec", r.hi, bin, "send", "--to", loAddr+":"+port,
		"--key", "guard.pub", "--sign-key", "sender.key", "--json", file)
	send.Dir, send.Stdout, send.Stderr = dir, &sout, &serr
	if err := send.Run(); err != nil {
		t.Fatalf("diode send: %v: %s", err, serr.String())
	}
	if err := recv.Wait(); err != nil {
		t.Fatalf("diode recv: %v: %s", err, rerr.String())
	}
	var ss diode.SenderStats
	var rs diode.ReceiverStats
	if err := json.Unmarshal(sout.Bytes(), &ss); err != nil {
		t.Fatalf("send --json: %v", err)
	}
	if err := json.Unmarshal(rout.Bytes(), &rs); err != nil {
		t.Fatalf("recv --json: %v", err)
	}
	return ss, rs
}

// writeRandom writes n seeded random bytes to path and returns their
// SHA-256.
func writeRandom(t *testing.T, path string, n int) [32]byte {
	t.Helper()
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{'r', 'i', 'g'}).Read(b)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("received file: %v", err)
	}
	return sha256.Sum256(b)
}

// TestOneWay moves 50 MiB through the diode across a link that loses 5 %
// of the datagrams at random, under the shipped rulesets, and checks that
// every byte arrived and that the high side's interface received nothing
// at all in the meantime: no datagram, no ICMP error, no ARP, no IPv6
// neighbour discovery. A frame injected at the end proves the capture and
// the high side's drop counter would have seen one.
func TestOneWay(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	r := newRig(t)
	bin := r.buildDiode(t, dir)
	sh(t, bin, "keygen", "--recipient", filepath.Join(dir, "guard"), "--signing", filepath.Join(dir, "sender"))
	file := filepath.Join(dir, "audit.bin")
	want := writeRandom(t, file, transferBytes)
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}

	// Capture from before the link comes up until after the transfer.
	capt := startCapture(t, r.hi, hiDev)
	r.up(t)
	ss, rs := r.transfer(t, bin, dir, file, out)

	// Every byte arrived, through real loss.
	if got := fileSum(t, filepath.Join(out, "audit.bin")); got != want {
		t.Errorf("received file SHA-256 %x, want %x", got, want)
	}
	// The loss rule counts packets as the filter sees them: a segmented
	// message of several datagrams (UDP segmentation offload) is one. The
	// receiver counts the datagrams that never came.
	dropped := counter(t, r.lo, "inet", "rig_loss", "input", "random loss")
	if lo, hi := ss.Datagrams*2/100, ss.Datagrams*10/100; rs.DatagramsLost < lo || rs.DatagramsLost > hi {
		t.Errorf("receiver counted %d of %d datagrams lost, want %d %% (between %d and %d)",
			rs.DatagramsLost, ss.Datagrams, lossPercent, lo, hi)
	}
	// Every dropped packet held at least one datagram; a few may fall
	// before the receiver's count starts or after it ends.
	if dropped == 0 || dropped > rs.DatagramsLost+20 {
		t.Errorf("loss rule dropped %d packets, want at least 1 and at most the %d datagrams lost",
			dropped, rs.DatagramsLost)
	}
	if rs.Lost != 0 || rs.GroupsRepaired == 0 {
		t.Errorf("receiver: %d batches lost, %d groups repaired; want 0 lost and some repaired", rs.Lost, rs.GroupsRepaired)
	}
	if rs.SocketBuffer < diode.DefaultSocketBuffer {
		t.Errorf("receive buffer %d bytes, want at least %d (SO_RCVBUFFORCE as root)", rs.SocketBuffer, diode.DefaultSocketBuffer)
	}
	t.Logf("sent %d datagrams, link dropped %d packets, receiver lost %d datagrams and repaired %d groups, kernel drops %d",
		ss.Datagrams, dropped, rs.DatagramsLost, rs.GroupsRepaired, rs.SocketDrops)

	// Nothing came back.
	const highDrop = "nothing returns through the diode"
	if got := capt.received(); len(got) != 0 {
		t.Errorf("high side received %d frames from the diode link, want 0:\n%s", len(got), describe(got))
	}
	if n := counter(t, r.hi, "inet", "bastion_high", "input", highDrop); n != 0 {
		t.Errorf("high side input drop counter %d, want 0", n)
	}
	if n, err := capt.kernelDrops(); err != nil || n != 0 {
		t.Errorf("capture dropped %d frames (err %v), want 0", n, err)
	}

	// The control: one frame sent below the low side's filters arrives.
	payload := []byte("bastion rig control frame")
	frame := controlFrame(t, r, payload)
	if err := inject(r.lo, loDev, frame); err != nil {
		t.Fatalf("inject control frame: %v", err)
	}
	seen := waitFor(10*time.Second, func() bool { return len(capt.received()) > 0 })
	if got := capt.received(); !seen || len(got) != 1 || !bytes.Equal(got[0], frame) {
		t.Errorf("after the control frame the capture holds %d frames, want exactly it:\n%s", len(got), describe(got))
	}
	if n := counter(t, r.hi, "inet", "bastion_high", "input", highDrop); n != 1 {
		t.Errorf("high side input drop counter %d after the control frame, want 1", n)
	}
}

func controlFrame(t *testing.T, r *rig, payload []byte) []byte {
	t.Helper()
	hiMAC, err1 := net.ParseMAC(linkMAC(t, r.hi, hiDev))
	loMAC, err2 := net.ParseMAC(linkMAC(t, r.lo, loDev))
	if err1 != nil || err2 != nil {
		t.Fatalf("link addresses: %v %v", err1, err2)
	}
	f, err := udpFrame(loMAC, hiMAC, net.ParseIP(loAddr).To4(), net.ParseIP(hiAddr).To4(), payload)
	if err != nil {
		t.Fatal(strings.TrimSpace(err.Error()))
	}
	return f
}
