package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"bastion/diode"
	"bastion/diode/record"
	"bastion/shared/cli"

	"github.com/spf13/cobra"
)

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
		Long: `Send files one way to diode recv, each under its base name, in the order
given. "-" (or no FILE at all) sends stdin, under --name; a file named "-"
is given as ./-. Every input is checked before the session is announced,
so a missing file or a bad name sends nothing.`,
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
	if o.chunk < 1 || o.chunk > diode.DefaultMaxBatch-1024 {
		return cli.Usagef("--chunk %d out of range 1 to %d", o.chunk, diode.DefaultMaxBatch-1024)
	}
	if err := o.tune.check(); err != nil {
		return cli.Usage(err)
	}
	addr, err := net.ResolveUDPAddr("udp", o.to)
	if err != nil {
		return cli.Usagef("bad --to: %w", err)
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	if err := checkInputs(files, o.name); err != nil {
		return err
	}
	pub, err := diode.ReadPublicKeyFile(o.key)
	if err != nil {
		return err
	}
	signer, err := readSigner(o.signKey)
	if err != nil {
		return err
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
	if o.firstSeq == 0 {
		o.firstSeq = uint64(time.Now().UnixMicro())
	}
	p := &sendProgress{s: s, tty: isTerminal(os.Stderr), seq: o.firstSeq}
	if err := sendInputs(ctx, p, o, files); err != nil {
		return err
	}
	if !o.noDrain {
		p.note("waiting for carousel resends")
		if err := s.Drain(ctx); err != nil {
			return fmt.Errorf("carousel not drained: %w", err)
		}
	}
	s.Close()
	p.done()
	if o.json {
		return json.NewEncoder(os.Stdout).Encode(s.Stats())
	}
	return nil
}

// checkInputs rejects, before anything is sent, stdin given twice, a bad
// --name for it, and files that are missing, are directories or have a
// name the receiver would refuse.
func checkInputs(files []string, name string) error {
	stdin := 0
	for _, path := range files {
		if path == "-" {
			if stdin++; stdin > 1 {
				return cli.Usage(errors.New(`stdin ("-") given more than once`))
			}
			if err := record.CheckName(name); err != nil {
				return cli.Usagef("bad --name: %v", err)
			}
			continue
		}
		fi, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("failed to open input: %w", err)
		}
		if fi.IsDir() {
			return fmt.Errorf("input %s is a directory", path)
		}
		if err := record.CheckName(filepath.Base(path)); err != nil {
			return fmt.Errorf("cannot send %s: %v", path, err)
		}
	}
	return nil
}

// sendInputs sends each file in turn, "-" being stdin under o.name.
func sendInputs(ctx context.Context, p *sendProgress, o sendOpts, files []string) error {
	for _, path := range files {
		if path == "-" {
			if err := p.sendStream(ctx, os.Stdin, o.name, o.chunk); err != nil {
				return err
			}
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("failed to open input: %w", err)
		}
		err = p.sendStream(ctx, f, filepath.Base(path), o.chunk)
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
	seq   uint64
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
		b, _ = record.Append(b[:0], &record.Record{Name: name, Offset: off, Final: final, Data: buf[:n]})
		if err := p.s.Send(ctx, p.seq, b); err != nil {
			return err
		}
		p.seq++
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
