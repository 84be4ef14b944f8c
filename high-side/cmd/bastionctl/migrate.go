package main

import (
	"encoding/json"
	"fmt"
	"io"

	"bastion/high-side/hsm"
	"bastion/shared/hybrid"

	"github.com/spf13/cobra"
)

func init() { root.AddCommand(migrateCommand()) }

// migrateCommand is "bastionctl migrate": a new ceremony for a new suite
// and a transition statement signed by the old and the new key.
func migrateCommand() *cobra.Command {
	var m hsm.Migration
	var suite string
	var asJSON bool
	c := &cobra.Command{
		Use:   "migrate --dir OLD --new-dir NEW --effective-size N [--suite SUITE]",
		Short: "Run a new key ceremony and sign the hand-over from the old key with both keys",
		Long: `Runs a new key ceremony in NEW (for --suite), then signs a transition
statement with the old key (on the tokens of OLD) and the new key, written
to NEW/keys/<name>.transition. From ledger size --effective-size on, the new
key signs; verifiers add the statement to the published old key
(bastion-verify archive --key OLD.pub --transition FILE).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkCeremony(&m.New, suite); err != nil {
				return err
			}
			if err := checkLabelPrefix("label-prefix", m.New.LabelPrefix); err != nil {
				return err
			}
			m.New.Suite, m.New.SoftHSM = hybrid.Suite(suite), true
			if m.Reason == "" {
				m.Reason = "migration to " + suite
			}
			res, err := m.Run(cmd.Context(), logger)
			if err != nil {
				return err
			}
			return printMigration(cmd.OutOrStdout(), res, asJSON)
		},
	}
	f := c.Flags()
	f.StringVar(&m.From, "dir", "", "the current ceremony directory (its tokens must be in service)")
	f.StringVar(&m.New.Dir, "new-dir", "", "new ceremony directory to create (must not exist or be empty)")
	f.StringVar(&suite, "suite", string(hybrid.SuiteMLDSA87P384), "composite suite of the new key: "+suiteNames())
	f.Uint64Var(&m.Effective, "effective-size", 0, "ledger size from which the new key signs")
	f.StringVar(&m.Reason, "reason", "", `reason recorded in the statement (default "migration to SUITE")`)
	f.StringVar(&m.New.Module, "module", "/usr/lib/softhsm/libsofthsm2.so", "PKCS#11 library")
	f.IntVar(&m.New.Tokens, "tokens", 3, "number of new tokens, 1 to 64")
	f.BoolVar(&m.New.Instances, "instances", false, "give each new token a SoftHSM instance of its own")
	f.StringVar(&m.New.KeyName, "key-name", "high-side", "new signing key name: 1 to 64 of A-Z a-z 0-9 . _ -")
	f.StringVar(&m.New.LabelPrefix, "label-prefix", "bastion",
		"prefix of the new token labels: 1 to 28 of A-Z a-z 0-9 . _ -")
	f.IntVar(&m.New.Threshold, "threshold", 3, "custodian shares needed to recover the new KEK, 2 to --shares")
	f.IntVar(&m.New.Shares, "shares", 5, "custodian shares written, 2 to 255")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	for _, name := range []string{"dir", "new-dir", "effective-size"} {
		c.MarkFlagRequired(name)
	}
	return c
}

// printMigration writes the new ceremony's lines, then the hand-over; or
// JSON.
func printMigration(w io.Writer, res *hsm.MigrationResult, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	if err := printCeremony(w, res.CeremonyResult, false); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "from_key_id %s\neffective_size %d\ntransition %s\n",
		res.FromKeyID, res.Effective, res.TransitionFile)
	return err
}
