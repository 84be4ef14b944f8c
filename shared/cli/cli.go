// Package cli gives every Bastion command the same command-line contract:
// usage and start-up errors go to stderr as one plain "toolname: message"
// line, a mistake in the command line exits 2 and any other failure
// exits 1. Structured logs stay for runtime events.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit codes shared by the commands that document no codes of their own.
const (
	// ExitOK is the exit code of a command that succeeded.
	ExitOK = 0
	// ExitFailure is the exit code of any failure other than usage.
	ExitFailure = 1
	// ExitUsage is the exit code of a mistake in the command line: an
	// unknown command or flag, a missing required flag, a wrong number of
	// arguments or an invalid flag value.
	ExitUsage = 2
)

// UsageError is a mistake in the command line; Execute exits ExitUsage.
// An empty Err prints nothing (the usage has been shown already).
type UsageError struct{ Err error }

// Error returns the message of the wrapped error.
func (e *UsageError) Error() string {
	if e.Err == nil {
		return ""
	}
	return e.Err.Error()
}

// Unwrap returns the wrapped error.
func (e *UsageError) Unwrap() error { return e.Err }

// Usage marks err as a command-line mistake; nil stays nil.
func Usage(err error) error {
	if err == nil {
		return nil
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		return err
	}
	return &UsageError{Err: err}
}

// Usagef is Usage(fmt.Errorf(format, args...)).
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// Execute prepares root (see Prepare), runs it with args and returns the
// exit code: ExitOK, ExitUsage for a UsageError, ExitFailure otherwise.
// Any error is printed to stderr as "name: message", name being root's.
func Execute(ctx context.Context, root *cobra.Command, args []string, stdout, stderr io.Writer) int {
	Prepare(root)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	stop := startProfile(root.Name(), func(err error) { fmt.Fprintf(stderr, "%s: %v\n", root.Name(), err) })
	err := root.ExecuteContext(ctx)
	stop()
	if err == nil {
		return ExitOK
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintf(stderr, "%s: %s\n", root.Name(), msg)
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	return ExitFailure
}
