// Command bastionctl is the high side's operator tool. Each subcommand lives
// in its own file and registers itself on the root command.
//
// Exit codes: 0 success, 1 failure, 2 usage error. Errors go to stderr as
// one "bastionctl: message" line; results go to stdout.
package main

import (
	"context"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"bastion/shared/cli"
)

// root is the command tree; subcommand files add to it in init.
var root = &cobra.Command{
	Use:   "bastionctl",
	Short: "Operate a Bastion high side",
	Long: "Operate a Bastion high side.\n\nA flag given an empty value is refused: leave it out for its default.\n" +
		"Exit codes: 0 success, 1 failure, 2 usage error.",
	SilenceUsage:  true,
	SilenceErrors: true,
	PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
		return refuseEmpty(cmd.Flags())
	},
}

// logger writes diagnostics to stderr; stdout carries results only.
var logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

func main() {
	os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
}

// execute runs the command line and returns the exit code.
func execute(args []string, stdout, stderr io.Writer) int {
	return cli.Execute(context.Background(), root, args, stdout, stderr)
}
