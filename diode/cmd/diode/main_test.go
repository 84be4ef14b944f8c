package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"bastion/diode"
	"bastion/test/lossylink"

	"github.com/google/go-cmp/cmp"
)

// The test binary doubles as the diode command: run with DIODE_TEST_MAIN
// set, it executes main, so the tests drive the real command line
// (flags, exit status, stdout and stderr) without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("DIODE_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// result is one finished run of the command.
type result struct {
	stdout, stderr []byte
	err            error
}

// command prepares the diode command with args in dir.
func command(ctx context.Context, dir string, stdin []byte, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), "DIODE_TEST_MAIN=1")
	cmd.Dir = dir
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	return cmd
}

// run runs the command to completion.
func run(t *testing.T, dir string, stdin []byte, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := command(ctx, dir, stdin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return result{out.Bytes(), errb.Bytes(), err}
}

// start runs the command in the background; wait returns its result.
func start(t *testing.T, dir string, stdin []byte, args ...string) (wait func() result) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	var out, errb bytes.Buffer
	cmd := command(ctx, dir, stdin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	var once sync.Once
	var res result
	wait = func() result {
		once.Do(func() {
			err := cmd.Wait()
			cancel()
			res = result{out.Bytes(), errb.Bytes(), err}
		})
		return res
	}
	t.Cleanup(func() { wait() })
	return wait
}

// keys makes a guard key pair and a signing pair in a new directory.
func keys(t *testing.T) string {
	dir := t.TempDir()
	if r := run(t, dir, nil, "keygen", "--recipient", "guard", "--signing", "sender"); r.err != nil {
		t.Fatalf("keygen: %v: %s", r.err, r.stderr)
	}
	return dir
}

// freePort returns a loopback UDP port that was free a moment ago.
func freePort(t *testing.T) string {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().String()
}

// lossy starts a link losing loss of the datagrams sent to its address on
// their way to to.
func lossy(t *testing.T, to string, loss float64) *lossylink.Link {
	l, err := lossylink.New(lossylink.Config{To: to, Loss: loss, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Run(ctx) }()
	t.Cleanup(func() { cancel(); l.Close(); <-done })
	return l
}

func random(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// fast makes the carousel short so a test does not wait seconds to drain.
var fast = []string{"--rate", "50000000", "--carousel", "100ms,300ms"}

// Files cross a link that loses 5 % of datagrams, arrive whole under
// their names, and both sides' statistics account for every batch.
func TestFilesAcrossLossyLink(t *testing.T) {
	dir := keys(t)
	out := t.TempDir()
	files := map[string][]byte{"empty": nil, "one": {7}, "three-mb": random(3_000_000, 1)}
	var paths []string
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	slices.Sort(paths)
	addr := freePort(t)
	wait := start(t, dir, nil, "recv", "--listen", addr, "--key", "guard.key",
		"--verify-key", "sender.pub", "--out", out, "--once", "--json")
	link := lossy(t, addr, 0.05)
	waitBound(t, addr)

	args := append([]string{"send", "--to", link.Addr().String(), "--key", "guard.pub",
		"--sign-key", "sender.key", "--json"}, fast...)
	s := run(t, dir, nil, append(args, paths...)...)
	if s.err != nil {
		t.Fatalf("send: %v: %s", s.err, s.stderr)
	}
	r := wait()
	if r.err != nil {
		t.Fatalf("recv: %v: %s", r.err, r.stderr)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: got %d bytes (err %v), want %d identical bytes", name, len(got), err, len(want))
		}
	}

	var ss diode.SenderStats
	var rs diode.ReceiverStats
	decode(t, "send", s.stdout, &ss)
	decode(t, "recv", r.stdout, &rs)
	const batches = 1 + 1 + 3 // 3,000,000 bytes in 1 MiB chunks is three batches
	if ss.Batches != batches || rs.Batches != batches || rs.Lost != 0 {
		t.Errorf("batches sent %d, received %d, lost %d; want %d, %d, 0", ss.Batches, rs.Batches, rs.Lost, batches, batches)
	}
	if d := link.Stats().Dropped; d == 0 || rs.DatagramsLost == 0 {
		t.Errorf("link dropped %d, receiver counted %d lost; want both above 0", d, rs.DatagramsLost)
	}
}

func decode(t *testing.T, who string, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s --json: %v in %q", who, err, b)
	}
}

// stdin goes out under --name and comes back on stdout, in order.
func TestStdinToStdout(t *testing.T) {
	dir := keys(t)
	data := random(2_500_000, 2)
	addr := freePort(t)
	wait := start(t, dir, nil, "recv", "--listen", addr, "--key", "guard.key",
		"--verify-key", "sender.pub", "--out", "-", "--once")
	link := lossy(t, addr, 0.05)
	waitBound(t, addr)

	args := append([]string{"send", "--to", link.Addr().String(), "--key", "guard.pub",
		"--sign-key", "sender.key", "--name", "stream", "--chunk", "100000"}, fast...)
	if s := run(t, dir, data, args...); s.err != nil {
		t.Fatalf("send: %v: %s", s.err, s.stderr)
	}
	r := wait()
	if r.err != nil {
		t.Fatalf("recv: %v: %s", r.err, r.stderr)
	}
	if !bytes.Equal(r.stdout, data) {
		t.Errorf("stdout: got %d bytes, want the %d bytes of stdin", len(r.stdout), len(data))
	}
}

// "-" reads stdin like no argument at all, under --name, between files
// sent under their own names.
func TestSendDashIsStdin(t *testing.T) {
	dir := keys(t)
	out := t.TempDir()
	file := random(1000, 5)
	if err := os.WriteFile(filepath.Join(dir, "before"), file, 0o644); err != nil {
		t.Fatal(err)
	}
	stdin := random(200_000, 6)
	addr := freePort(t)
	wait := start(t, dir, nil, "recv", "--listen", addr, "--key", "guard.key",
		"--verify-key", "sender.pub", "--out", out, "--once")
	waitBound(t, addr)
	args := append([]string{"send", "--to", addr, "--key", "guard.pub", "--sign-key", "sender.key",
		"--name", "piped", "--no-carousel", "before", "-"}, fast[:2]...)
	if s := run(t, dir, stdin, args...); s.err != nil {
		t.Fatalf("send: %v: %s", s.err, s.stderr)
	}
	if r := wait(); r.err != nil {
		t.Fatalf("recv: %v: %s", r.err, r.stderr)
	}
	for name, want := range map[string][]byte{"before": file, "piped": stdin} {
		if got, err := os.ReadFile(filepath.Join(out, name)); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: got %d bytes (err %v), want %d identical bytes", name, len(got), err, len(want))
		}
	}
}

// An existing file of the incoming name is refused, named, and left as it
// was, unless --overwrite is given.
func TestExistingFileNotOverwritten(t *testing.T) {
	for _, tc := range []struct {
		name      string
		overwrite bool
		want      string
	}{
		{"refused", false, "old"},
		{"--overwrite", true, "new"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := keys(t)
			var more []string
			if tc.overwrite {
				more = append(more, "--overwrite")
			}
			addr, out, wait := recvOnce(t, dir, more...)
			target := filepath.Join(out, "stdin")
			if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"send", "--to", addr, "--key", "guard.pub", "--sign-key", "sender.key",
				"--no-carousel"}, fast[:2]...)
			if s := run(t, dir, []byte("new"), args...); s.err != nil {
				t.Fatalf("send: %v: %s", s.err, s.stderr)
			}
			r := wait()
			if tc.overwrite {
				if r.err != nil {
					t.Errorf("recv: %v: %s", r.err, r.stderr)
				}
			} else {
				wantFailure(t, r, "transfer incomplete: 1 existing file(s) not overwritten: "+target,
					"use --overwrite")
			}
			if got := mustRead(t, target); string(got) != tc.want {
				t.Errorf("%s holds %q, want %q", target, got, tc.want)
			}
			if diff := cmp.Diff([]string{"stdin"}, listDir(t, out)); diff != "" {
				t.Errorf("--out files (-want +got):\n%s", diff)
			}
		})
	}
}

// --json prints exactly the library's statistics, every field by name.
func TestJSONShape(t *testing.T) {
	dir := keys(t)
	out := t.TempDir()
	addr := freePort(t)
	wait := start(t, dir, nil, "recv", "--listen", addr, "--key", "guard.key",
		"--verify-key", "sender.pub", "--out", out, "--once", "--json")
	waitBound(t, addr)
	args := append([]string{"send", "--to", addr, "--key", "guard.pub", "--sign-key", "sender.key",
		"--json", "--no-carousel"}, fast[:2]...)
	s := run(t, dir, []byte("hello"), args...)
	r := wait()
	for _, tc := range []struct {
		who  string
		res  result
		want any
	}{{"send", s, diode.SenderStats{}}, {"recv", r, diode.ReceiverStats{}}} {
		if tc.res.err != nil {
			t.Fatalf("%s: %v: %s", tc.who, tc.res.err, tc.res.stderr)
		}
		var got map[string]any
		decode(t, tc.who, tc.res.stdout, &got)
		if diff := cmp.Diff(fieldNames(reflect.TypeOf(tc.want)), slices.Sorted(maps.Keys(got))); diff != "" {
			t.Errorf("%s --json keys (-want +got):\n%s", tc.who, diff)
		}
		if got["Batches"] != 1.0 || got["Bytes"] == 0.0 {
			t.Errorf("%s --json: Batches %v, Bytes %v; want 1 and above 0", tc.who, got["Batches"], got["Bytes"])
		}
	}
	if got, _ := os.ReadFile(filepath.Join(out, "stdin")); string(got) != "hello" {
		t.Errorf("received %q, want %q", got, "hello")
	}
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		names = append(names, t.Field(i).Name)
	}
	slices.Sort(names)
	return names
}

// Bad flags fail with exit status 2 (usage) or 1 (anything else), one
// "diode: message" line naming what was wrong, and nothing written.
func TestBadFlags(t *testing.T) {
	dir := keys(t)
	if err := os.WriteFile(filepath.Join(dir, "open.key"), mustRead(t, filepath.Join(dir, "sender.key")), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, size := range map[string]int{"has space": 0, "a/x.txt": 1, "b/x.txt": 2, "three": 2_000_001} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Whatever send writes lands here, where the test looks for it.
	heard, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer heard.Close()
	to := heard.LocalAddr().String()
	send := []string{"send", "--to", to, "--key", "guard.pub", "--sign-key", "sender.key"}
	recv := []string{"recv", "--listen", "127.0.0.1:0", "--key", "guard.key", "--verify-key", "sender.pub"}
	const maxSeq = "18446744073709551615"
	with := func(base []string, more ...string) []string { return append(slices.Clone(base), more...) }
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"send without flags", []string{"send"}, 2, `required flag(s) "key", "sign-key", "to" not set`},
		{"unknown flag", with(send, "--fast"), 2, "unknown flag: --fast"},
		{"rate zero", with(send, "--rate", "0"), 2, "--rate 0: want bytes per second"},
		{"shard too small", with(send, "--shard-size", "8"), 2, "--shard-size 8: want 16 to 65447 bytes"},
		{"shard too large", with(send, "--shard-size", "70000"), 2, "--shard-size 70000"},
		{"max data", with(send, "--max-data", "256"), 2, "--max-data 256: want 1 to 255"},
		{"parity", with(send, "--parity", "60"), 2, "--parity 60: want 0 to 56 with --max-data 200"},
		{"design loss", with(send, "--design-loss", "0.5"), 2, "--design-loss 0.5"},
		{"design loss NaN", with(send, "--design-loss", "NaN"), 2,
			"--design-loss NaN: want more than 0 and less than 0.5"},
		{"carousel order", with(send, "--carousel", "4s,1s"), 2, "--carousel: delays must increase"},
		{"carousel syntax", with(send, "--carousel", "soon"), 2, `invalid argument "soon" for "--carousel"`},
		{"chunk", with(send, "--chunk", "0"), 2, "--chunk 0 out of range"},
		{"address", []string{"send", "--to", "nowhere", "--key", "guard.pub", "--sign-key", "sender.key", "guard.pub"},
			2, "bad --to"},
		{"empty address", []string{"send", "--to", "", "--key", "guard.pub", "--sign-key", "sender.key"},
			2, "bad --to: empty value, want HOST:PORT"},
		{"port 0", []string{"send", "--to", "127.0.0.1:0", "--key", "guard.pub", "--sign-key", "sender.key"},
			2, "bad --to 127.0.0.1:0: port 0"},
		{"empty link", with(send, "--link", ""), 2, "bad --link: link name of 0 bytes"},
		{"missing key", []string{"send", "--to", to, "--key", "none.pub", "--sign-key", "sender.key"},
			1, "bad --key: failed to read key file: open none.pub"},
		{"empty key", []string{"send", "--to", to, "--key", "", "--sign-key", "sender.key"},
			2, "bad --key: empty value"},
		{"missing signing key", []string{"send", "--to", to, "--key", "guard.pub", "--sign-key", "none.key"},
			1, "bad --sign-key: failed to read signing key: stat none.key"},
		{"open signing key", []string{"send", "--to", to, "--key", "guard.pub", "--sign-key", "open.key"},
			1, "bad --sign-key: signing key file open.key has mode 0644, want 0600"},
		{"wrong key kind", []string{"send", "--to", to, "--key", "sender.pub", "--sign-key", "sender.key"},
			1, "bad --key: key file sender.pub"},
		{"missing input", with(send, "no-such-file"), 1, "failed to open input"},
		{"input is a directory", with(send, "."), 1, "input . is a directory"},
		{"input name", with(send, "guard.pub", "has space"), 1,
			`cannot send has space: file name "has space" has byte 0x20 at 3; a file name may hold ` + nameRule},
		{"stdin twice", with(send, "-", "-"), 2, `stdin ("-") given more than once`},
		{"same name twice", with(send, "a/x.txt", "b/x.txt"), 2,
			"inputs a/x.txt and b/x.txt would both arrive as x.txt"},
		{"same file twice", with(send, "guard.pub", "guard.pub"), 2,
			"inputs guard.pub and guard.pub would both arrive as guard.pub"},
		{"file named like stdin", with(send, "--name", "x.txt", "a/x.txt", "-"), 2,
			`inputs a/x.txt and stdin ("-", --name) would both arrive as x.txt`},
		{"bad name", with(send, "--name", "a/b"), 2,
			`bad --name: file name "a/b" has byte 0x2f at 1; a file name may hold ` + nameRule},
		{"bad name for dash", with(send, "--name", "", "guard.pub", "-"), 2, "bad --name: file name of 0 bytes"},
		{"first seq at the end", with(send, "--first-seq", maxSeq, "--chunk", "1000000", "three"), 2,
			"--first-seq " + maxSeq + " leaves 1 batch sequence number(s), the inputs need 3"},
		{"first seq one short", with(send, "--first-seq", "18446744073709551614", "--chunk", "1000000", "three"), 2,
			"--first-seq 18446744073709551614 leaves 2 batch sequence number(s), the inputs need 3"},
		{"first seq and stdin", with(send, "--first-seq", maxSeq), 2,
			"--first-seq " + maxSeq + " leaves 1 batch sequence number(s), the inputs need 2"},
		{"recv json to stdout", with(recv, "--out", "-", "--json"), 2, "--json needs stdout"},
		{"recv out missing", with(recv, "--out", "no-such-dir"), 1, "bad --out"},
		{"recv out empty", with(recv, "--out", ""), 2, `bad --out: empty value, want a directory or "-"`},
		{"recv listen empty", []string{"recv", "--listen", "", "--key", "guard.key", "--verify-key", "sender.pub",
			"--out", "."}, 2, "bad --listen: empty value"},
		{"recv link empty", with(recv, "--out", ".", "--link", ""), 2, "bad --link: link name of 0 bytes"},
		{"recv missing key", []string{"recv", "--listen", "127.0.0.1:0", "--key", "none.key", "--verify-key",
			"sender.pub", "--out", "."}, 1, "bad --key: failed to read private key: stat none.key"},
		{"recv missing verify key", with(recv[:5], "--verify-key", "none.pub", "--out", "."), 1,
			"bad --verify-key: failed to read key: open none.pub"},
		{"recv empty verify key", with(recv[:5], "--verify-key", "", "--out", "."), 2,
			"bad --verify-key: empty value"},
		{"recv out is a file", with(recv, "--out", "guard.pub"), 1, "is not a directory"},
		{"recv argument", with(recv, "--out", ".", "extra"), 2, `unknown command "extra"`},
		{"keygen nothing", []string{"keygen"}, 2, "give --recipient PREFIX, --signing PREFIX or both"},
		{"keygen existing", []string{"keygen", "--signing", "sender"}, 1, "key file sender.key already exists"},
		{"keygen empty prefix", []string{"keygen", "--recipient", "", "--signing", "new"}, 2,
			"bad --recipient: empty value, want a file name prefix"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := listDir(t, dir)
			r := run(t, dir, []byte{}, tc.args...)
			code := -1
			if e, ok := r.err.(*exec.ExitError); ok {
				code = e.ExitCode()
			}
			if code != tc.code || !strings.HasPrefix(string(r.stderr), "diode: ") ||
				!strings.Contains(string(r.stderr), tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and \"diode: ...%s...\"", code, r.stderr, tc.code, tc.want)
			}
			if len(r.stdout) != 0 {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			if diff := cmp.Diff(before, listDir(t, dir)); diff != "" {
				t.Errorf("directory changed (-before +after):\n%s", diff)
			}
			// The run is over, so anything it sent has been delivered.
			heard.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
			if n, err := heard.Read(make([]byte, 65536)); err == nil {
				t.Errorf("send wrote a %d-byte datagram, want nothing sent", n)
				for heard.SetReadDeadline(time.Now().Add(10*time.Millisecond)) == nil {
					if _, err := heard.Read(make([]byte, 65536)); err != nil {
						break
					}
				}
			}
		})
	}
}

func mustRead(t *testing.T, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func listDir(t *testing.T, dir string) []string {
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// waitBound waits until a socket is bound to the UDP port of addr, as
// /proc/net/udp shows; where that file cannot be read it waits 100 ms. A
// datagram sent before the receiver binds is refused, and send counts it
// as not written.
func waitBound(t *testing.T, addr string) {
	t.Helper()
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	port := fmt.Sprintf(":%04X", ua.Port)
	for deadline := time.Now().Add(10 * time.Second); ; {
		b, err := os.ReadFile("/proc/net/udp")
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			return
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			if f := strings.Fields(line); len(f) > 1 && strings.HasSuffix(f[1], port) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing bound to UDP %s after 10s", addr)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
