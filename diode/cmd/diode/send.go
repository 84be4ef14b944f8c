package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"bastion/diode"
	"bastion/diode/internal/wire"
	"bastion/diode/record"
	"bastion/shared/cli"

	"github.com/spf13/cobra"
)

const sendLong = `Send files one way to diode recv, each under its base name, in the order
given. "-" (or no FILE at all) sends stdin, under --name; a file named "-"
is given as ./-.

A file name (the base name of each FILE, and --name) may hold only ASCII
letters, digits, '.', '_' and '-', 1 to 255 bytes, not starting with '.';
rename a file whose name has anything else, such as a space.

Every input is checked before the session is announced, so a missing file,
a bad name, two inputs under the same name or a --first-seq that leaves too
few batch sequence numbers sends nothing. Each input takes one batch per
--chunk bytes, plus one; stdin, whose length is unknown, is counted as two.

The link is one way, so send cannot know what arrived. It exits 1 if a
datagram could not be written before the closing heartbeats, for instance
because the receiving host refused it with nothing listening there: the
receiver may then lack data. The closing heartbeats' own failures are
ignored, as a receiver run with --once may be gone after the first; with
--no-drain, so are those of a last batch still being written. Exit status
0 means the datagrams were handed to the network, not that they arrived;
recv's exit status says that.`

// nameRule says which file names the receiver accepts (record.CheckName),
// as sendLong does.
const nameRule = "only ASCII letters, digits, '.', '_' and '-', 1 to 255 bytes, not starting with '.'"

type sendOpts struct {
	to, key, signKey, link, name string
	tune                         tuning
	chunk                        int
	firstSeq                     uint64
	noDrain, json                bool
}

func sendCmd(logger func() *slog.Logger) *cobra.Command {
	var o sendOpts
	cmd := &cobra.Command{
		Use:   "send --to HOST:PORT --key guard.pub --sign-key sender.key [FILE|-]...",
		Short: "Send files (or stdin) one way",
		Long:  sendLong,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSend(cmd.Context(), o, args, logger())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.to, "to", "", "receiver address HOST:PORT (required)")
	f.StringVar(&o.key, "key", "", "guard public key file (required)")
	f.StringVar(&o.signKey, "sign-key", "", "Ed25519 signing key file, PKCS#8 PEM, mode 0600 (required)")
	f.StringVar(&o.link, "link", "diode", "link name")
	f.StringVar(&o.name, "name", "stdin", `file name for data read from stdin ("-")`)
	f.IntVar(&o.chunk, "chunk", 1<<20, "bytes of file data per batch")
	f.Uint64Var(&o.firstSeq, "first-seq", 0, "first batch sequence (default: microseconds since 1970, so runs never collide)")
	f.BoolVar(&o.noDrain, "no-drain", false, "exit without waiting for the carousel's resends")
	f.BoolVar(&o.json, "json", false, "print statistics as JSON on stdout")
	o.tune.addFlags(f)
	for _, n := range []string{"to", "key", "sign-key"} {
		cmd.MarkFlagRequired(n)
	}
	return cmd
}

func runSend(ctx context.Context, o sendOpts, files []string, log *slog.Logger) error {
	addr, err := o.check()
	if err != nil {
		return err
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	ins, err := checkInputs(files, o.name)
	if err != nil {
		return err
	}
	if o.firstSeq == 0 {
		o.firstSeq = uint64(time.Now().UnixMicro())
	}
	if err := checkSeqRoom(o.firstSeq, ins, o.chunk); err != nil {
		return err
	}
	pub, err := diode.ReadPublicKeyFile(o.key)
	if err != nil {
		return fmt.Errorf("bad --key: %w", err)
	}
	signer, err := readSigner(o.signKey)
	if err != nil {
		return fmt.Errorf("bad --sign-key: %w", err)
	}
	conn, err := net.DialUDP("udp", nil, addr)
	if err != nil {
		return fmt.Errorf("failed to open socket: %w", err)
	}
	defer conn.Close()
	cfg := diode.SenderConfig{Link: o.link, RecipientKey: pub, Signer: signer}
	o.tune.apply(&cfg)
	s, err := diode.NewSender(conn, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	p := &sendProgress{s: s, tty: isTerminal(os.Stderr), first: o.firstSeq, seq: o.firstSeq}
	if err := sendInputs(ctx, p, ins, o.chunk); err != nil {
		return err
	}
	if !o.noDrain {
		p.note("waiting for carousel resends")
		if err := s.Drain(ctx); err != nil {
			return fmt.Errorf("carousel not drained: %w", err)
		}
	}

	// Judge the writes before the closing heartbeats: a receiver run with
	// --once may be gone after the first of them, and its host then
	// refuses the rest.
	before := s.Stats()
	s.Close()
	p.done()
	if o.json {
		if err := json.NewEncoder(os.Stdout).Encode(s.Stats()); err != nil {
			return err
		}
	}
	return unwritten(before)
}

// check refuses flag values that are empty or out of range, naming the
// flag, and returns the receiver's address.
func (o sendOpts) check() (*net.UDPAddr, error) {
	err := nonEmpty(flagValue{"to", o.to, "HOST:PORT"}, flagValue{"key", o.key, "the guard public key file"},
		flagValue{"sign-key", o.signKey, "the Ed25519 signing key file"})
	if err != nil {
		return nil, err
	}
	if o.chunk < 1 || o.chunk > diode.DefaultMaxBatch-1024 {
		return nil, cli.Usagef("--chunk %d out of range 1 to %d", o.chunk, diode.DefaultMaxBatch-1024)
	}
	if err := o.tune.check(); err != nil {
		return nil, cli.Usage(err)
	}
	if err := wire.CheckLinkName(o.link); err != nil {
		return nil, cli.Usagef("bad --link: %v", err)
	}
	addr, err := net.ResolveUDPAddr("udp", o.to)
	if err != nil {
		return nil, cli.Usagef("bad --to: %w", err)
	}
	if addr.Port == 0 {
		return nil, cli.Usagef("bad --to %s: port 0, want HOST:PORT with a port from 1 to 65535", o.to)
	}
	return addr, nil
}

// unwritten returns an error if any datagram counted in st could not be
// written, naming the count and the last error.
func unwritten(st diode.SenderStats) error {
	if st.SendErrors == 0 {
		return nil
	}
	why := ""
	if st.LastSendError != "" {
		why = ", the last with: " + st.LastSendError
	}
	return fmt.Errorf("%d of %d datagram(s) could not be written%s; the receiver may lack data",
		st.SendErrors, st.SendErrors+st.Datagrams, why)
}

// input is one thing to send: a file, or stdin under --name.
type input struct {
	path string // "-" for stdin
	name string // the name the receiver gives it
	size int64  // bytes; -1 for stdin, whose length is unknown
}

// label names in for a message.
func (in input) label() string {
	if in.path == "-" {
		return `stdin ("-", --name)`
	}
	return in.path
}

// checkInputs rejects, before anything is sent, stdin given twice, a bad
// --name for it, files that are missing, are directories or have a name
// the receiver would refuse, and two inputs under the same name, which
// the receiver would take for one file. It returns the inputs in order.
func checkInputs(files []string, name string) ([]input, error) {
	var ins []input
	taken := make(map[string]input)
	for _, path := range files {
		in, err := checkInput(path, name, slices.ContainsFunc(ins, isStdin))
		if err != nil {
			return nil, err
		}
		if prev, ok := taken[in.name]; ok {
			return nil, cli.Usagef("inputs %s and %s would both arrive as %s: give each input its own name",
				prev.label(), in.label(), in.name)
		}
		taken[in.name] = in
		ins = append(ins, in)
	}
	return ins, nil
}

func isStdin(in input) bool { return in.path == "-" }

// checkInput checks one input; stdinSeen says an earlier input was stdin.
func checkInput(path, name string, stdinSeen bool) (input, error) {
	if path == "-" {
		if stdinSeen {
			return input{}, cli.Usage(errors.New(`stdin ("-") given more than once`))
		}
		if err := record.CheckName(name); err != nil {
			return input{}, cli.Usagef("bad --name: %v; a file name may hold %s", err, nameRule)
		}
		return input{path: path, name: name, size: -1}, nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return input{}, fmt.Errorf("failed to open input: %w", err)
	}
	if fi.IsDir() {
		return input{}, fmt.Errorf("input %s is a directory", path)
	}
	base := filepath.Base(path)
	if err := record.CheckName(base); err != nil {
		return input{}, fmt.Errorf("cannot send %s: %v; a file name may hold %s", path, err, nameRule)
	}
	return input{path: path, name: base, size: fi.Size()}, nil
}

// batchCount is how many batches ins take at chunk bytes a batch: each
// input one per full chunk and one more for the rest, possibly empty,
// which carries its final record. Stdin counts as two, the fewest a
// stream of a chunk or more takes. ok is false if the count exceeds
// MaxUint64.
func batchCount(ins []input, chunk int) (n uint64, ok bool) {
	for _, in := range ins {
		b := uint64(2)
		if in.size >= 0 {
			b = uint64(in.size)/uint64(chunk) + 1
		}
		if n += b; n < b {
			return 0, false
		}
	}
	return n, true
}

// checkSeqRoom refuses a first batch sequence after which the batches of
// ins would run past the largest sequence number, MaxUint64. first is
// not 0.
func checkSeqRoom(first uint64, ins []input, chunk int) error {
	left := math.MaxUint64 - first // and one more: first itself
	need, ok := batchCount(ins, chunk)
	if !ok {
		return cli.Usagef("--first-seq %d leaves %d batch sequence number(s), the inputs need more than %d",
			first, left+1, uint64(math.MaxUint64))
	}
	if need-1 > left {
		return cli.Usagef("--first-seq %d leaves %d batch sequence number(s), the inputs need %d",
			first, left+1, need)
	}
	return nil
}

// sendInputs sends each input in turn in batches of up to chunk bytes.
func sendInputs(ctx context.Context, p *sendProgress, ins []input, chunk int) error {
	for _, in := range ins {
		if in.path == "-" {
			if err := p.sendStream(ctx, os.Stdin, in.name, chunk); err != nil {
				return err
			}
			continue
		}
		f, err := os.Open(in.path)
		if err != nil {
			return fmt.Errorf("failed to open input: %w", err)
		}
		err = p.sendStream(ctx, f, in.name, chunk)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// sendProgress sends records and reports progress on a terminal.
type sendProgress struct {
	s     *diode.Sender
	tty   bool
	first uint64 // --first-seq
	seq   uint64 // the next batch's sequence
	spent bool   // MaxUint64 was sent: no sequence is left
	start time.Time
	last  time.Time
}

// sendStream sends r as records of up to chunk bytes under name, which
// checkInputs has accepted.
func (p *sendProgress) sendStream(ctx context.Context, r io.Reader, name string, chunk int) error {
	// Both buffers are reused: Send does not retain the batch.
	buf := make([]byte, chunk)
	var b []byte
	var off uint64
	for {
		n, err := io.ReadFull(r, buf)
		final := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !final {
			return fmt.Errorf("failed to read %s: %w", name, err)
		}
		if p.spent { // stdin, or a file that grew since checkSeqRoom
			return fmt.Errorf("--first-seq %d: batch sequence numbers ran out before the end of %s",
				p.first, name)
		}
		b, _ = record.Append(b[:0], &record.Record{Name: name, Offset: off, Final: final, Data: buf[:n]})
		if err := p.s.Send(ctx, p.seq, b); err != nil {
			return err
		}
		if p.seq == math.MaxUint64 {
			p.spent = true
		} else {
			p.seq++
		}
		off += uint64(n)
		p.tick()
		if final {
			return nil
		}
	}
}

func (p *sendProgress) tick() {
	now := time.Now()
	if p.start.IsZero() {
		p.start = now
	}
	if !p.tty || now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	st := p.s.Stats()
	rate := float64(st.Bytes) / max(now.Sub(p.start).Seconds(), 1e-3) / 1e6
	fmt.Fprintf(os.Stderr, "\rsent %d batches, %.1f MB, %.1f MB/s   ", st.Batches, float64(st.Bytes)/1e6, rate)
}

func (p *sendProgress) note(msg string) {
	if p.tty {
		fmt.Fprintf(os.Stderr, "\r%s%s", msg, "                              ")
	}
}

func (p *sendProgress) done() {
	if p.tty {
		st := p.s.Stats()
		fmt.Fprintf(os.Stderr, "\rsent %d batches, %.1f MB, %d datagrams, %d resends\n",
			st.Batches, float64(st.Bytes)/1e6, st.Datagrams, st.CarouselResends)
	}
}
