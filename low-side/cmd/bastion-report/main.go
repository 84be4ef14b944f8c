// Command bastion-report makes the low side's regulatory reports as signed
// bundles from the guard's export directory, and the key that signs them.
//
//	bastion-report keygen --key guard-report.key --pub guard-report.pub [--name guard-report]
//	bastion-report bundle --export DIR --date YYYY-MM-DD --key guard-report.key --out DIR \
//	    [--kind cat,15c3-5,surveillance,attestation,sox,basel] [--high-side-key FILE] \
//	    [--guard-log FILE] [--capital FILE] \
//	    [--cat-submitter ID] [--cat-imid IMID] [--cat-destination MIC] [--cat-destination-type T]
//
// bundle writes one folder per report kind, OUT/<kind>-<date>, and prints
// each folder's path on stdout. A bundle that exists is never replaced.
// The attestation verifies the whole export directory first, with the high
// side's key from EXPORT/keys (or --high-side-key). The SOX evidence
// needs the guard log (--guard-log) and the Basel III report the capital
// inputs (--capital, a TOML file with a [report.capital] table); without
// them the default kind list leaves those kinds out. Exit codes: 0 every
// bundle written, 1 a bundle failed (the others are still written),
// 2 usage error.
package main

import (
	"context"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"bastion/shared/cli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	root := &cobra.Command{Use: "bastion-report", Short: "Make signed regulatory report bundles",
		Long: "Make signed regulatory report bundles.\n\n" +
			"Exit codes: 0 every bundle of the selected kinds written, 1 a bundle failed, 2 usage error."}
	root.PersistentPreRunE = cli.RefuseEmpty
	root.AddCommand(bundleCommand(stdout, log), keygenCommand(stdout))
	return cli.Execute(context.Background(), root, args, stdout, stderr)
}

func keygenCommand(stdout io.Writer) *cobra.Command {
	var keyFile, pubFile, name string
	c := &cobra.Command{
		Use:   "keygen --key FILE --pub FILE",
		Short: "Generate the guard's report-signing key (private file mode 0600)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return keygen(stdout, keyFile, pubFile, name)
		},
	}
	c.Flags().StringVar(&keyFile, "key", "", "private key file to create, mode 0600 (required)")
	c.Flags().StringVar(&pubFile, "pub", "", "published key file to create (required)")
	c.Flags().StringVar(&name, "name", "guard-report", "key name")
	c.MarkFlagRequired("key")
	c.MarkFlagRequired("pub")
	return c
}
