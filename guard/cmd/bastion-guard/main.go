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
// selfcheck writes nothing: it opens the archive read-only, only reads the
// guard log and leaves the export directory alone, and its result goes to
// stdout only. It needs the daemon stopped (the daemon holds the archive's
// lock); the daemon runs the same check every 24 hours and records each
// result in the guard log (stage "selfcheck") and the gauge
// bastion_guard_selfcheck_ok.
package main

import (
	"context"
	"fmt"
	"io"
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
	root.PersistentPreRunE = cli.RefuseEmpty
	root.AddCommand(&cobra.Command{Use: "run", Short: "Run the guard", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return run(configFile, logger) }})
	root.AddCommand(&cobra.Command{Use: "selfcheck", Short: "Verify the archive and the guard log",
		Long: selfCheckHelp,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return selfCheck(c.OutOrStdout(), configFile) }})
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

const selfCheckHelp = `Verify the archive and the guard log of a stopped guard.

The archive's record chain and head, every batch's signature, checkpoints,
consistency proof and leaf hashes up to the Merkle root, and the guard
log's hash chain are checked, and the result is printed on stdout.

Nothing is written: the archive is opened read-only, the guard log is only
read (a torn last line left by a crash is reported, not cut) and the export
directory is not touched. The result is not recorded in the guard log; the
running guard records its own check, made every 24 hours, there (stage
"selfcheck") and in the gauge bastion_guard_selfcheck_ok.

The guard must be stopped: a running guard holds the archive's lock, and
selfcheck then fails naming the file. A guard started during the check
waits for it, up to 2 seconds.

Exit codes: 0 sound, 1 not sound or the check could not run, 2 usage error.`

func selfCheck(stdout io.Writer, configFile string) error {
	cfg, err := guard.LoadConfig(configFile)
	if err != nil {
		return err
	}
	res, err := guard.SelfCheckStopped(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, res)
	if !res.OK() {
		return fmt.Errorf("self-check failed")
	}
	return nil
}
