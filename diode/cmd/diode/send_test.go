package main

import (
	"bytes"
	"context"
	"math"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bastion/diode"
	"bastion/diode/internal/wire"
	"bastion/diode/record"
	"bastion/shared/cli"

	"github.com/spf13/pflag"
)

// listen opens a loopback UDP socket that takes whatever a test sends.
func listen(t *testing.T) *net.UDPConn {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Every float flag of every subcommand refuses NaN and the infinities,
// naming the flag, before anything is sent.
func TestFloatFlagsRefuseNonFinite(t *testing.T) {
	dir := keys(t)
	required := map[string][]string{
		"send": {"--to", listen(t).LocalAddr().String(), "--key", "guard.pub", "--sign-key", "sender.key"},
		"recv": {"--listen", "127.0.0.1:0", "--key", "guard.key", "--verify-key", "sender.pub", "--out", "."},
	}
	floats := 0
	for _, sub := range root().Commands() {
		sub.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Value.Type() != "float64" && f.Value.Type() != "float32" {
				return
			}
			floats++
			for _, v := range []string{"NaN", "+Inf", "-Inf"} {
				args := append([]string{sub.Name(), "--" + f.Name, v}, required[sub.Name()]...)
				r := run(t, dir, []byte("data"), args...)
				want := "diode: --" + f.Name + " " + v
				if code := exitCode(r); code != cli.ExitUsage || !strings.HasPrefix(string(r.stderr), want) {
					t.Errorf("%s --%s %s: exit %d, stderr %q; want exit 2 and %q...",
						sub.Name(), f.Name, v, code, r.stderr, want)
				}
			}
		})
	}
	if floats == 0 {
		t.Fatal("no float flag found; want at least --design-loss")
	}
}

// A transfer whose last batch takes the largest sequence number arrives
// whole.
func TestFirstSeqUpToTheEnd(t *testing.T) {
	dir := keys(t)
	data := random(2_000_001, 7) // three batches of 1,000,000 bytes
	if err := os.WriteFile(filepath.Join(dir, "three"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	addr, out, wait := recvOnce(t, dir)
	s := run(t, dir, nil, "send", "--to", addr, "--key", "guard.pub", "--sign-key", "sender.key",
		"--first-seq", "18446744073709551613", "--chunk", "1000000", "--no-carousel", "--json", "three")
	if s.err != nil {
		t.Fatalf("send: %v: %s", s.err, s.stderr)
	}
	if r := wait(); r.err != nil {
		t.Fatalf("recv: %v: %s", r.err, r.stderr)
	}
	var st diode.SenderStats
	decode(t, "send", s.stdout, &st)
	if st.Batches != 3 || st.LastSeq != math.MaxUint64 {
		t.Errorf("sent %d batches, the last %d; want 3, the last %d", st.Batches, st.LastSeq, uint64(math.MaxUint64))
	}
	if got := mustRead(t, filepath.Join(out, "three")); !bytes.Equal(got, data) {
		t.Errorf("received %d bytes, want the %d bytes sent", len(got), len(data))
	}
}

// Stdin longer than the sequence numbers left fails naming --first-seq
// when they run out, not with the library's complaint about order.
func TestStdinRunsOutOfSequence(t *testing.T) {
	dir := keys(t)
	r := run(t, dir, random(30, 8), "send", "--to", listen(t).LocalAddr().String(), "--key", "guard.pub",
		"--sign-key", "sender.key", "--first-seq", "18446744073709551614", "--chunk", "10", "--no-carousel")
	want := "diode: --first-seq 18446744073709551614: batch sequence numbers ran out before the end of stdin"
	if code := exitCode(r); code != 1 || !strings.HasPrefix(string(r.stderr), want) {
		t.Errorf("exit %d, stderr %q; want exit 1 and %q", code, r.stderr, want)
	}
}

// With nothing listening at --to, the host refuses the datagrams: send
// exits 1 naming how many were not written and why, after --json has
// printed the statistics that count them.
func TestSendFailsWhenRefused(t *testing.T) {
	dir := keys(t)
	r := run(t, dir, []byte("hello"), "send", "--to", freePort(t), "--key", "guard.pub",
		"--sign-key", "sender.key", "--json", "--carousel", "50ms,100ms")
	wantFailure(t, r, " datagram(s) could not be written, the last with: ", "connection refused",
		"the receiver may lack data")
	var st diode.SenderStats
	decode(t, "send", r.stdout, &st)
	if st.SendErrors == 0 {
		t.Errorf("--json SendErrors 0, want the refused datagrams counted")
	}
}

// unwritten passes a run without failed writes and names the count and
// the last error otherwise.
func TestUnwritten(t *testing.T) {
	for _, tc := range []struct {
		st   diode.SenderStats
		want string
	}{
		{diode.SenderStats{Datagrams: 40}, ""},
		{diode.SenderStats{Datagrams: 37, SendErrors: 3, LastSendError: "write: connection refused"},
			"3 of 40 datagram(s) could not be written, the last with: write: connection refused; " +
				"the receiver may lack data"},
		{diode.SenderStats{SendErrors: 2}, "2 of 2 datagram(s) could not be written; the receiver may lack data"},
	} {
		got := ""
		if err := unwritten(tc.st); err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("unwritten(%d written, %d failed, %q) = %q, want %q",
				tc.st.Datagrams, tc.st.SendErrors, tc.st.LastSendError, got, tc.want)
		}
	}
}

// nameRule, which send --help and the errors quote, says what
// record.CheckName accepts.
func TestNameRuleAgreesWithCheckName(t *testing.T) {
	for c := range 256 {
		allowed := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == '-'
		if err := record.CheckName("a" + string([]byte{byte(c)})); (err == nil) != allowed {
			t.Errorf("byte 0x%02x: CheckName err %v, want allowed %v", c, err, allowed)
		}
	}
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{".hidden", false}, {"", false}, {strings.Repeat("a", 255), true}, {strings.Repeat("a", 256), false},
	} {
		if err := record.CheckName(tc.name); (err == nil) != tc.ok {
			t.Errorf("CheckName(%.20q...) = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
	if record.MaxName != 255 || !strings.Contains(nameRule, "1 to 255 bytes") {
		t.Errorf("nameRule %q, record.MaxName %d; want them to agree", nameRule, record.MaxName)
	}
}

// checkSeqRoom accepts exactly the first sequences after which the
// inputs' batches, counted as sendStream sends them, stay within uint64.
func FuzzCheckSeqRoom(f *testing.F) {
	f.Add(uint64(math.MaxUint64), int64(2_000_001), int64(-1), 1_000_000)
	f.Add(uint64(math.MaxUint64-2), int64(2_000_001), int64(0), 1_000_000)
	f.Add(uint64(1), int64(math.MaxInt64), int64(math.MaxInt64), 1)
	f.Fuzz(func(t *testing.T, first uint64, a, b int64, chunk int) {
		if first == 0 || chunk < 1 || a < -1 || b < -1 {
			t.Skip()
		}
		ins := []input{{path: "a", name: "a", size: a}, {path: "b", name: "b", size: b}}
		need := new(big.Int)
		for _, in := range ins {
			n := big.NewInt(2) // stdin
			if in.size >= 0 {
				n.SetInt64(in.size / int64(chunk))
				n.Add(n, big.NewInt(1))
			}
			need.Add(need, n)
		}
		last := new(big.Int).Add(new(big.Int).SetUint64(first), need)
		last.Sub(last, big.NewInt(1))
		fits := last.Cmp(new(big.Int).SetUint64(math.MaxUint64)) <= 0
		if err := checkSeqRoom(first, ins, chunk); (err == nil) != fits {
			t.Errorf("first %d, sizes %d and %d, chunk %d: got %v, want fits %v", first, a, b, chunk, err, fits)
		}
	})
}

// send --help states the file-name rule and when send exits 1.
func TestSendHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := cli.Execute(context.Background(), root(), []string{"send", "--help"}, &out, &errb); code != cli.ExitOK {
		t.Fatalf("send --help: exit %d, stderr %q", code, errb.String())
	}
	help := strings.Join(strings.Fields(out.String()), " ")
	for _, w := range []string{"may hold " + nameRule, "two inputs under the same name",
		"It exits 1 if a datagram could not be written before the closing heartbeats"} {
		if !strings.Contains(help, w) {
			t.Errorf("send --help does not say %q:\n%s", w, out.String())
		}
	}
	out.Reset()
	cli.Execute(context.Background(), root(), []string{"--help"}, &out, &errb)
	if w := "send unable to write a datagram (see diode send --help)"; !strings.Contains(
		strings.Join(strings.Fields(out.String()), " "), w) {
		t.Errorf("diode --help does not say %q:\n%s", w, out.String())
	}
}

// A receiver may leave after the first closing heartbeat (recv --once
// does); the host then refuses the rest. Those refusals are no failure:
// the session's data had been written. Whether the receiver is gone in
// time is up to the scheduler, so the test tries until it was.
func TestReceiverGoneDuringFarewell(t *testing.T) {
	dir := keys(t)
	for range 10 {
		c := listen(t)
		gone := make(chan struct{})
		go func() {
			defer close(gone)
			closeOnFarewell(c)
		}()
		r := run(t, dir, []byte("hello"), "send", "--to", c.LocalAddr().String(), "--key", "guard.pub",
			"--sign-key", "sender.key", "--no-carousel", "--json")
		<-gone
		if r.err != nil {
			t.Fatalf("send: %v: %s", r.err, r.stderr)
		}
		var st diode.SenderStats
		decode(t, "send", r.stdout, &st)
		if st.SendErrors > 0 {
			return
		}
	}
	t.Skip("the receiver was never gone before the last closing heartbeat")
}

// closeOnFarewell reads datagrams from c and closes it on the first
// closing heartbeat.
func closeOnFarewell(c *net.UDPConn) {
	buf := make([]byte, 65536)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		h, err := wire.ParseHeader(buf[:n])
		if err == nil && h.Type == wire.TypeHeartbeat && h.Flags&wire.FlagClosing != 0 {
			c.Close()
			return
		}
	}
}
