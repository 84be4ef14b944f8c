// Command bastion-node runs one high-side node: a Raft member with its
// Merkle ledger, the floor's HTTPS and FIX listeners, and, while it leads,
// the exporter that signs batches in the HSM and sends them one way
// through the diode.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"bastion/shared/cli"
)

func main() {
	os.Exit(cli.Execute(context.Background(), command(), os.Args[1:], os.Stdout, os.Stderr))
}

// command is the bastion-node command line.
func command() *cobra.Command {
	var nodeCfg, servicesCfg, level string
	cmd := &cobra.Command{
		Use:   "bastion-node --config node.toml --services services.toml",
		Short: "Run one high-side node",
		Long: "Run one high-side node.\n\n" +
			"Exit codes: 0 stopped cleanly, 1 failed, 2 usage error.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger(level)
			if err != nil {
				return cli.Usage(err)
			}
			tuneGC()
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return run(ctx, nodeCfg, servicesCfg, logger)
		},
	}
	cmd.Flags().StringVar(&nodeCfg, "config", "", "node configuration (Raft, TLS), TOML")
	cmd.Flags().StringVar(&servicesCfg, "services", "", "services configuration (gateway, FIX, HSM, link), TOML")
	cmd.Flags().StringVar(&level, "log-level", "info", "debug, info, warn or error")
	_ = cmd.MarkFlagRequired("config")
	_ = cmd.MarkFlagRequired("services")
	return cmd
}

func newLogger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("bad --log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l})), nil
}
