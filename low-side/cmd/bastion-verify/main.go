// Command bastion-verify checks a guard export directory offline with the
// high side's published key: every batch signature, the chain of signed
// checkpoints and consistency proofs, every leaf hash up to the final root,
// the batch sequence and every full entry's schema.
//
//	bastion-verify archive DIR --key high-side.pub [--transition FILE]... [--json]
//	bastion-verify bundle DIR --key guard-report.pub [--previous DIR] [--json]
//
// With --transition, each checkpoint and batch is checked with the key
// valid at its ledger size: the published key up to the first transition
// statement's effective size, then each statement's new key (see
// verify.KeyRing).
//
// Exit codes: 0 all verified, 1 a problem was found, 2 usage error or
// unreadable key, 3 the directory or a file could not be read. Results go
// to stdout, errors to stderr.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"bastion/low-side/verify"
	"bastion/shared/batch"
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit code %d", e.code)
	}
	return e.err.Error()
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	root := &cobra.Command{Use: "bastion-verify", Short: "Verify Bastion audit archives offline",
		SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(archiveCommand(stdout), bundleCommand(stdout))
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return verify.ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "bastion-verify:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "bastion-verify:", err)
	return verify.ExitUsage
}

func archiveCommand(stdout io.Writer) *cobra.Command {
	var keyFile string
	var transitions []string
	var asJSON bool
	c := &cobra.Command{
		Use:   "archive DIR --key FILE [--transition FILE]...",
		Short: "Verify every batch, checkpoint and leaf of an export directory",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return verifyArchive(stdout, args[0], keyFile, transitions, asJSON)
		},
	}
	c.Flags().StringVar(&keyFile, "key", "", "the high side's published key file (required)")
	c.Flags().StringArrayVar(&transitions, "transition", nil,
		"a signed key transition statement (repeatable, any order)")
	c.Flags().BoolVar(&asJSON, "json", false, "write the report as JSON")
	c.MarkFlagRequired("key")
	return c
}

func verifyArchive(stdout io.Writer, dir, keyFile string, transitions []string, asJSON bool) error {
	ring, err := loadRing(keyFile, transitions)
	if err != nil {
		return &exitError{verify.ExitUsage, err}
	}
	rep, err := verify.ArchiveRing(dir, ring, batch.Limits{})
	if err != nil {
		return &exitError{verify.ExitIO, err}
	}
	if asJSON {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		return &exitError{verify.ExitIO, err}
	}
	if code := rep.ExitCode(); code != verify.ExitOK {
		return &exitError{code: code}
	}
	return nil
}
