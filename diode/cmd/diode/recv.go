package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"bastion/diode"
	"bastion/diode/internal/wire"
	"bastion/shared/cli"

	"github.com/spf13/cobra"
)

type recvOpts struct {
	listen, key, verifyKey, link, out string
	once, json, overwrite             bool
	sessionTimeout                    time.Duration
}

const recvLong = `Receive files sent by diode send.

With --out DIR each file is assembled under a hidden temporary name and
takes the name the sender gave it once whole. A file of that name that
already exists is never replaced unless --overwrite is given: the incoming
file is refused and not written (or, if the name was taken while it
arrived, left under its temporary name), and the run fails. With --out -
the batches go to stdout as one stream, in order.

Without --once, recv runs until interrupted and exits 1 if a batch was lost
or a file was left incomplete or refused.

With --once, recv waits for one transfer and exits when its session ends:
closed by the sender, silent for --session-timeout, or heard but never
announced. If no session is announced and no datagram arrives for
--session-timeout, it gives up. It exits 0 only if the session delivered at
least one batch and nothing is missing: no batch lost, no file incomplete or
refused and, unless the sender closed the session, no datagram that failed
authentication. Otherwise it exits 1 and the last line on stderr names why,
for example "no batch received: 44 datagram(s) failed authentication (is
--key the guard key the sender encrypts to?)".`

func recvCmd(logger func() *slog.Logger) *cobra.Command {
	var o recvOpts
	cmd := &cobra.Command{
		Use:   "recv --listen ADDR --key guard.key --verify-key sender.pub --out DIR|-",
		Short: "Receive files sent by diode send",
		Long:  recvLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRecv(cmd.Context(), o, logger())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "", "address to listen on, e.g. :7000 (required)")
	f.StringVar(&o.key, "key", "", "guard private key file, mode 0600 (required)")
	f.StringVar(&o.verifyKey, "verify-key", "", "sender's Ed25519 public key, PKIX PEM (required)")
	f.StringVar(&o.link, "link", "diode", "link name")
	f.StringVar(&o.out, "out", "", `directory to write files into, or "-" for stdout (required)`)
	f.BoolVar(&o.overwrite, "overwrite", false, "replace existing files in --out DIR instead of refusing them")
	f.BoolVar(&o.once, "once", false, "wait for one transfer and exit when its session ends; "+
		"exit status 1 if it delivered no batch or anything is missing (see above)")
	f.DurationVar(&o.sessionTimeout, "session-timeout", 10*time.Second,
		"end a session silent for this long; with --once, also give up when no session "+
			"is announced and nothing arrives for this long")
	f.BoolVar(&o.json, "json", false, "print statistics as JSON on stdout at exit")
	for _, n := range []string{"listen", "key", "verify-key", "out"} {
		cmd.MarkFlagRequired(n)
	}
	return cmd
}

func runRecv(ctx context.Context, o recvOpts, log *slog.Logger) error {
	err := nonEmpty(flagValue{"listen", o.listen, "an address such as :7000"},
		flagValue{"key", o.key, "the guard private key file"},
		flagValue{"verify-key", o.verifyKey, "the sender's public key file"},
		flagValue{"out", o.out, `a directory or "-" for stdout`})
	if err != nil {
		return err
	}
	if err := wire.CheckLinkName(o.link); err != nil {
		return cli.Usagef("bad --link: %v", err)
	}
	if o.out == "-" && o.json {
		return cli.Usage(errors.New("--json needs stdout: use --out DIR with it"))
	}
	if o.sessionTimeout <= 0 {
		return cli.Usagef("bad --session-timeout %v: want a positive duration", o.sessionTimeout)
	}
	addr, err := net.ResolveUDPAddr("udp", o.listen)
	if err != nil {
		return cli.Usagef("bad --listen: %w", err)
	}
	priv, err := diode.ReadPrivateKeyFile(o.key)
	if err != nil {
		return fmt.Errorf("bad --key: %w", err)
	}
	defer clear(priv)
	verifier, err := readVerifier(o.verifyKey)
	if err != nil {
		return fmt.Errorf("bad --verify-key: %w", err)
	}
	sink, err := newSink(o.out, o.overwrite)
	if err != nil {
		return err
	}
	conn, err := net.ListenUDP("udp", addr)
	if err != nil {
		return fmt.Errorf("failed to listen: %w", err)
	}
	defer conn.Close()
	if addr.Port == 0 {
		// The kernel chose the port: the sender needs to know it.
		fmt.Fprintf(os.Stderr, "diode: listening on %s\n", conn.LocalAddr())
	}
	r, err := diode.NewReceiver(conn, diode.ReceiverConfig{Link: o.link, PrivateKey: priv,
		Verifier: verifier, SessionTimeout: o.sessionTimeout}, log)
	if err != nil {
		return err
	}
	return receive(ctx, r, sink, o)
}

// receive runs r until the transfer ends (--once) or ctx does, then
// reports and returns the verdict.
func receive(ctx context.Context, r *diode.Receiver, sink *sink, o recvOpts) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	h := &recvHandler{sink: sink, once: o.once, stop: cancel, tty: isTerminal(os.Stderr), r: r}
	idle := make(chan time.Duration, 1)
	go func() {
		if o.once && awaitSession(ctx, r, o.sessionTimeout, cancel) {
			idle <- o.sessionTimeout
		}
		close(idle)
	}()
	err := r.Run(ctx, h)
	cancel()
	end := runEnd{once: o.once, idle: <-idle}
	if err != nil {
		return err
	}
	st := r.Stats()
	end.authFailures, end.heard = st.AuthFailures, st.Datagrams
	verdict := h.outcome.err(sink.finish(), end)
	h.progress(true)
	if o.json {
		if err := json.NewEncoder(os.Stdout).Encode(r.Stats()); err != nil {
			return err
		}
	}
	return verdict
}

// idlePoll is how often a --once run waiting for its first session checks
// whether anything arrived.
const idlePoll = 100 * time.Millisecond

// awaitSession watches r until a session is announced or ctx ends. If
// before that no datagram arrives for timeout, from the start or since the
// last one, it calls stop and returns true. Datagrams of a session never
// announced leave the end to r, which reports them (KindUnannounced) after
// the same silence.
func awaitSession(ctx context.Context, r *diode.Receiver, timeout time.Duration, stop func()) bool {
	t := time.NewTicker(idlePoll)
	defer t.Stop()
	var heard uint64
	quiet := time.Now()
	for {
		select {
		case <-ctx.Done():
			return false
		case now := <-t.C:
			st := r.Stats()
			switch {
			case st.Session != 0 || st.UnknownSession > 0:
				return false
			case st.Datagrams != heard:
				heard, quiet = st.Datagrams, now
			case now.Sub(quiet) >= timeout:
				stop()
				return true
			}
		}
	}
}

// recvHandler writes batches to the sink and reports events on stderr.
type recvHandler struct {
	sink *sink
	once bool
	stop context.CancelFunc
	tty  bool
	r    *diode.Receiver
	last time.Time
	outcome
}

func (h *recvHandler) Batch(seq uint64, p []byte) {
	h.batches++
	if err := h.sink.batch(seq, p); err != nil {
		fmt.Fprintf(os.Stderr, "\rdiode: batch %d: %v\n", seq, err)
	}
	h.progress(false)
}

func (h *recvHandler) Event(e diode.Event) {
	switch e.Kind {
	case diode.KindMalformed, diode.KindAuthFailure, diode.KindUnknownType, diode.KindGap,
		diode.KindTailMissing, diode.KindLost, diode.KindHeartbeatMissed, diode.KindSenderRestart,
		diode.KindQueueOverflow, diode.KindSessionExpired, diode.KindUnannounced:
		fmt.Fprintf(os.Stderr, "\rdiode: %s\n", e)
	}
	if e.Kind == diode.KindLost {
		h.sink.skip(e.First, e.Last)
	}
	h.note(e)
	if e.Kind.Final() && h.once {
		h.stop()
	}
}

func (h *recvHandler) progress(final bool) {
	now := time.Now()
	if !h.tty || !final && now.Sub(h.last) < 200*time.Millisecond {
		return
	}
	h.last = now
	st := h.r.Stats()
	fmt.Fprintf(os.Stderr, "\rreceived %d batches, %.1f MB, repaired %d groups, lost %d datagrams, kernel drops %d   ",
		st.Batches, float64(st.Bytes)/1e6, st.GroupsRepaired, st.DatagramsLost, st.SocketDrops)
	if final {
		fmt.Fprintln(os.Stderr)
	}
}
