// Command bastionctl is the high side's operator tool. Each subcommand lives
// in its own file and registers itself on the root command.
package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
)

// root is the command tree; subcommand files add to it in init.
var root = &cobra.Command{
	Use:           "bastionctl",
	Short:         "Operate a Bastion high side",
	SilenceUsage:  true,
	SilenceErrors: true,
}

// logger writes diagnostics to stderr; stdout carries results only.
var logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

func main() {
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "bastionctl:", err)
		os.Exit(1)
	}
}
