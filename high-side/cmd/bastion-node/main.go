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
)

func main() {
	var nodeCfg, servicesCfg, level, profile string
	cmd := &cobra.Command{
		Use:           "bastion-node --config node.toml --services services.toml",
		Short:         "Run one high-side node",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger(level)
			if err != nil {
				return err
			}
			tuneGC()
			stopProfile, err := startProfile(profile)
			if err != nil {
				return err
			}
			defer stopProfile()
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return run(ctx, nodeCfg, servicesCfg, logger)
		},
	}
	cmd.Flags().StringVar(&nodeCfg, "config", "", "node configuration (Raft, TLS), TOML")
	cmd.Flags().StringVar(&servicesCfg, "services", "", "services configuration (gateway, FIX, HSM, link), TOML")
	cmd.Flags().StringVar(&level, "log-level", "info", "debug, info, warn or error")
	cmd.Flags().StringVar(&profile, "cpuprofile", os.Getenv("BASTION_CPUPROFILE"),
		"write a CPU profile to this file, or into this directory, until shutdown (default $BASTION_CPUPROFILE)")
	_ = cmd.MarkFlagRequired("config")
	_ = cmd.MarkFlagRequired("services")
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "bastion-node:", err)
		os.Exit(1)
	}
}

func newLogger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("unknown log level %q", level)
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l})), nil
}
