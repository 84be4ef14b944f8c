package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"bastion/high-side/hsm"
	"bastion/shared/hybrid"

	"github.com/spf13/cobra"
)

func init() {
	var c hsm.Ceremony
	var suite string
	var asJSON bool
	initCmd := &cobra.Command{
		Use:   "init",
		Short: "Initialise SoftHSM tokens, KEK, shares and the signing key in a new directory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkCeremony(&c, suite); err != nil {
				return err
			}
			c.Suite, c.SoftHSM = hybrid.Suite(suite), true
			res, err := c.Run(cmd.Context(), logger)
			if err != nil {
				return err
			}
			return printCeremony(cmd.OutOrStdout(), res, asJSON)
		},
	}
	f := initCmd.Flags()
	f.StringVar(&c.Dir, "dir", "", "ceremony directory to create (must not exist or be empty)")
	f.StringVar(&c.Module, "module", "/usr/lib/softhsm/libsofthsm2.so", "PKCS#11 library")
	f.IntVar(&c.Tokens, "tokens", 3, "number of tokens, 1 to 64")
	f.BoolVar(&c.Instances, "instances", false, "give each token a SoftHSM instance of its own (a copy of the library in DIR)")
	f.StringVar(&suite, "suite", string(hybrid.SuiteMLDSA65P256), "composite suite: "+suiteNames())
	f.StringVar(&c.KeyName, "key-name", "high-side", "signing key name: 1 to 64 of A-Z a-z 0-9 . _ -")
	f.IntVar(&c.Threshold, "threshold", 3, "custodian shares needed to recover the KEK, 2 to --shares")
	f.IntVar(&c.Shares, "shares", 5, "custodian shares written, 2 to 255")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	initCmd.MarkFlagRequired("dir")

	ceremony := &cobra.Command{Use: "ceremony", Short: "Run key ceremonies"}
	ceremony.AddCommand(initCmd, recoverCommand())
	root.AddCommand(ceremony)
}

func suiteNames() string {
	var s []string
	for _, x := range hybrid.Suites() {
		s = append(s, string(x))
	}
	return strings.Join(s, ", ")
}

// printCeremony writes the ceremony result: key=value lines, or JSON.
func printCeremony(w io.Writer, res *hsm.CeremonyResult, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	_, err := fmt.Fprintf(w, "ceremony %s\nsuite %s\nkey_id %s\ntokens %s\ntoken_serials %s\nkek_check_value %s\n"+
		"shares %d-of-%d\nconfig %s\npublic_key %s\nsealed_seed %s\n",
		res.Ceremony, res.Suite, res.KeyID, strings.Join(res.Tokens, ","), strings.Join(res.TokenSerials, ","), res.KEKCheckValue,
		res.Threshold, res.Shares, res.Config, res.PublicKeyFile, res.SealedSeedFile)
	return err
}
