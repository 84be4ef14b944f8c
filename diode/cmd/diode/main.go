// Command diode sends files one way over UDP and receives them:
//
//	diode keygen --recipient guard --signing sender
//	diode send --to 10.0.0.2:7000 --key guard.pub --sign-key sender.key FILE...
//	diode recv --listen :7000 --key guard.key --verify-key sender.pub --out DIR
//
// The command signs with an Ed25519 key file (PKCS#8 PEM). The appliance
// signs the same announcements and heartbeats with its hybrid HSM key
// through the diode.Signer interface.
//
// Progress goes to stderr when it is a terminal; --json prints final
// statistics on stdout. Errors go to stderr as one "diode: message" line.
// Exit codes: 0 success, 1 failure or missing data, 2 usage error (unknown
// flag, missing or invalid flag value, wrong arguments); rootLong says
// what each means for every subcommand.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"bastion/shared/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, root(), os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func root() *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "diode",
		Short: "One-way UDP transfer with FEC, AEAD and signed sessions",
		Long:  rootLong,
	}
	cmd.PersistentFlags().BoolVarP(&verbose, "verbose", "v", false, "log to stderr")
	logger := func() *slog.Logger {
		if !verbose {
			return nil
		}
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	cmd.AddCommand(keygenCmd(), sendCmd(logger), recvCmd(logger))
	return cmd
}

const rootLong = `One-way UDP transfer with FEC, AEAD and signed sessions.

Exit codes:
  0  success: keygen wrote its keys, send sent every input, recv received
     with nothing missing (with --once: one whole transfer)
  1  runtime failure or missing data: an unreadable key or input, a socket
     error, send unable to write a datagram (see diode send --help), lost
     batches, an incomplete or refused file, or recv --once receiving no
     batch (see diode recv --help)
  2  usage error: unknown command or flag, missing or invalid flag value,
     wrong arguments`

// isTerminal reports whether f is a character device.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// flagValue is a string flag's name, value and what it wants.
type flagValue struct{ name, value, want string }

// nonEmpty refuses the first of flags given an empty value, which would
// otherwise read a file named "", use any port or write into the current
// directory.
func nonEmpty(flags ...flagValue) error {
	for _, f := range flags {
		if f.value == "" {
			return cli.Usagef("bad --%s: empty value, want %s", f.name, f.want)
		}
	}
	return nil
}
