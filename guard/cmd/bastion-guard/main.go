// Command bastion-guard is the low-side guard: it receives batches from
// the diode, runs them through the guard pipeline, archives and publishes
// what passes, and logs every decision.
//
//	bastion-guard run --config FILE        run until SIGINT or SIGTERM
//	bastion-guard selfcheck --config FILE  verify archive and guard log, exit 0 if sound
//
// Start-up and usage errors go to stderr as one "bastion-guard: message"
// line; runtime events are JSON log lines. Exit codes: 0 success, 1
// failure (selfcheck: not sound), 2 usage error.
//
// selfcheck needs the archive to itself: run it while the daemon is
// stopped (the daemon runs the same check every 24 hours).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"bastion/guard"
	"bastion/shared/cli"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	os.Exit(cli.Execute(context.Background(), command(logger), os.Args[1:], os.Stdout, os.Stderr))
}

// command is the bastion-guard command line; logger receives the
// runtime events of "run".
func command(logger *slog.Logger) *cobra.Command {
	root := &cobra.Command{Use: "bastion-guard", Short: "Bastion low-side guard",
		Long: "Bastion low-side guard.\n\nExit codes: 0 success (selfcheck: sound), 1 failure, 2 usage error."}
	var configFile string
	root.PersistentFlags().StringVar(&configFile, "config", "", "guard configuration file (TOML, required)")
	root.MarkPersistentFlagRequired("config")
	root.AddCommand(&cobra.Command{Use: "run", Short: "Run the guard", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return run(configFile, logger) }})
	root.AddCommand(&cobra.Command{Use: "selfcheck", Short: "Verify the archive and the guard log",
		Args: cobra.NoArgs, RunE: func(*cobra.Command, []string) error { return selfCheck(configFile) }})
	return root
}

func run(configFile string, logger *slog.Logger) error {
	cfg, err := guard.LoadConfig(configFile)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger.Info("guard starting", slog.String("config", configFile), slog.String("link", cfg.Link))
	return guard.Run(ctx, cfg, logger)
}

func selfCheck(configFile string) error {
	cfg, err := guard.LoadConfig(configFile)
	if err != nil {
		return err
	}
	g, err := guard.Open(cfg, nil, nil)
	if err != nil {
		return err
	}
	defer g.Close()
	res := g.SelfCheck()
	fmt.Println(res)
	if !res.OK() {
		return fmt.Errorf("self-check failed")
	}
	return nil
}
