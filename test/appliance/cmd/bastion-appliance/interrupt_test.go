package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"bastion/shared/cli"
	"bastion/test/appliance"

	"github.com/spf13/cobra"
)

// interruptedReplay returns the error a replay of 12 entries returns when
// SIGINT arrives after 5 receipts, and the context it ran under, made as
// the command makes it: signal.NotifyContext, then watch's cancel-cause
// context.
func interruptedReplay(t *testing.T) (context.Context, error) {
	t.Helper()
	sigctx, stop := signal.NotifyContext(t.Context(), syscall.SIGINT)
	t.Cleanup(stop)
	ctx, cancel := context.WithCancelCause(sigctx)
	t.Cleanup(func() { cancel(nil) })
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(time.Minute):
		t.Fatal("SIGINT did not end the context within a minute")
	}
	var tally appliance.Tally
	tally.Submitted.Add(5)
	// What a.Replay returns when its context ends mid-request.
	err := fmt.Errorf("submit payments: %w", ctx.Err())
	return ctx, cutShort(ctx, err, "during the replay", &tally, 12)
}

// TestInterruptDuringReplay interrupts the replay: without --once the run
// says what the interrupt cut short and stops cleanly, exit 0, as after
// the replay; with --once it says so too, but exits 130 with an error
// saying the run did not complete and no summary was written.
func TestInterruptDuringReplay(t *testing.T) {
	const line = "interrupted during the replay (5 of 12 submitted); stopping"
	tests := []struct {
		name    string
		once    bool
		code    int
		wantErr string
	}{
		{"until interrupted", false, cli.ExitOK, ""},
		{"once", true, exitInterrupted, "bastion-appliance: interrupted during the replay (5 of 12 submitted):" +
			" the --once run did not complete; no summary written\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var said []string
			say := func(format string, args ...any) { said = append(said, fmt.Sprintf(format, args...)) }
			root := &cobra.Command{Use: "bastion-appliance", RunE: func(*cobra.Command, []string) error {
				_, err := interruptedReplay(t)
				return interrupted(err, tt.once, say)
			}}
			var out, errb bytes.Buffer
			code := execute(context.Background(), root, nil, &out, &errb)
			if code != tt.code || errb.String() != tt.wantErr || out.Len() != 0 {
				t.Errorf("got exit %d, stdout %q, stderr %q; want exit %d, stderr %q",
					code, out.String(), errb.String(), tt.code, tt.wantErr)
			}
			if len(said) != 1 || said[0] != line {
				t.Errorf("said %q, want one line %q", said, line)
			}
		})
	}
}

// TestFailureIsNotAnInterrupt checks that an appliance that cannot go on,
// or a replay that fails on its own, is still a failure (exit 1), not an
// interrupt.
func TestFailureIsNotAnInterrupt(t *testing.T) {
	var tally appliance.Tally
	guard := errors.New("guard exited by itself with status 1; its log is guard.log")
	ctx, cancel := context.WithCancelCause(t.Context())
	cancel(fmt.Errorf("the appliance cannot go on: %w", guard))
	failed, cancelled := context.WithCancel(t.Context())
	cancelled()

	tests := []struct {
		name string
		ctx  context.Context
		err  error
	}{
		{"appliance cannot go on", ctx, context.Canceled},
		{"replay failed, still running", t.Context(), errors.New("failed to submit orders for 2m0s: no leader")},
		{"no error", failed, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := cutShort(tt.ctx, tt.err, "during the replay", &tally, 12)
			if err != tt.err {
				t.Errorf("cutShort returned %v, want %v unchanged", err, tt.err)
			}
			for _, once := range []bool{false, true} {
				if got := interrupted(err, once, func(string, ...any) {}); got != tt.err {
					t.Errorf("once %v: interrupted returned %v, want %v", once, got, tt.err)
				}
			}
		})
	}
	root := &cobra.Command{Use: "bastion-appliance", RunE: func(*cobra.Command, []string) error {
		return interrupted(cutShort(ctx, context.Canceled, "during the replay", &tally, 12), true,
			func(string, ...any) {})
	}}
	var out, errb bytes.Buffer
	if code := execute(context.Background(), root, nil, &out, &errb); code != cli.ExitFailure {
		t.Errorf("got exit %d (stderr %q), want %d", code, errb.String(), cli.ExitFailure)
	}
}
