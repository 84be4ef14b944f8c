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
	"bastion/shared/cli"

	"github.com/spf13/cobra"
)

type recvOpts struct {
	listen, key, verifyKey, link, out string
	once, json                        bool
	sessionTimeout                    time.Duration
}

func recvCmd(logger func() *slog.Logger) *cobra.Command {
	var o recvOpts
	cmd := &cobra.Command{
		Use:   "recv --listen ADDR --key guard.key --verify-key sender.pub --out DIR|-",
		Short: "Receive files sent by diode send",
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
	f.BoolVar(&o.once, "once", false, "exit when the sender's session closes or expires; "+
		"the exit status is 1 if anything is missing")
	f.DurationVar(&o.sessionTimeout, "session-timeout", 10*time.Second,
		"end a session silent for this long (and give up on one never announced)")
	f.BoolVar(&o.json, "json", false, "print statistics as JSON on stdout at exit")
	for _, n := range []string{"listen", "key", "verify-key", "out"} {
		cmd.MarkFlagRequired(n)
	}
	return cmd
}

func runRecv(ctx context.Context, o recvOpts, log *slog.Logger) error {
	if o.out == "-" && o.json {
		return cli.Usage(errors.New("--json needs stdout: use --out DIR with it"))
	}
	priv, err := diode.ReadPrivateKeyFile(o.key)
	if err != nil {
		return err
	}
	defer clear(priv)
	verifier, err := readVerifier(o.verifyKey)
	if err != nil {
		return err
	}
	sink, err := newSink(o.out)
	if err != nil {
		return err
	}
	addr, err := net.ResolveUDPAddr("udp", o.listen)
	if err != nil {
		return cli.Usagef("bad --listen: %w", err)
	}
	conn, err := net.ListenUDP("udp", addr)
	if err != nil {
		return fmt.Errorf("failed to listen: %w", err)
	}
	defer conn.Close()
	if o.sessionTimeout <= 0 {
		return cli.Usagef("bad --session-timeout %v: want a positive duration", o.sessionTimeout)
	}
	r, err := diode.NewReceiver(conn, diode.ReceiverConfig{Link: o.link, PrivateKey: priv,
		Verifier: verifier, SessionTimeout: o.sessionTimeout}, log)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	h := &recvHandler{sink: sink, once: o.once, stop: cancel, tty: isTerminal(os.Stderr), r: r}
	if err := r.Run(ctx, h); err != nil {
		return err
	}
	incomplete := h.outcome.err(sink.finish())
	h.progress(true)
	if o.json {
		if err := json.NewEncoder(os.Stdout).Encode(r.Stats()); err != nil {
			return err
		}
	}
	return incomplete
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
