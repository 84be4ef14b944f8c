package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"bastion/low-side/verify"
)

// bundleCommand is "bastion-verify bundle DIR --key guard-report.pub".
func bundleCommand(stdout io.Writer) *cobra.Command {
	var keyFile, previous string
	var asJSON bool
	c := &cobra.Command{
		Use:   "bundle DIR --key FILE [--previous DIR]",
		Short: "Verify a signed report bundle: manifest signature and every file",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return verifyBundle(stdout, args[0], keyFile, previous, asJSON)
		},
	}
	c.Flags().StringVar(&keyFile, "key", "", "the guard's published report-signing key file (required)")
	c.Flags().StringVar(&previous, "previous", "", "the previous bundle of the same kind, to check the link")
	c.Flags().BoolVar(&asJSON, "json", false, "write the result as JSON")
	c.MarkFlagRequired("key")
	return c
}

func verifyBundle(stdout io.Writer, dir, keyFile, previous string, asJSON bool) error {
	text, err := os.ReadFile(keyFile)
	if err != nil {
		return &exitError{verify.ExitUsage, fmt.Errorf("failed to read key: %w", err)}
	}
	name, pub, err := verify.ParseBundleKey(text)
	if err != nil {
		return &exitError{verify.ExitUsage, fmt.Errorf("key %s: %w", keyFile, err)}
	}
	rep, err := verify.Bundle(dir, name, pub, previous)
	if err != nil {
		return &exitError{verify.ExitIO, err}
	}
	if asJSON {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		return &exitError{verify.ExitIO, err}
	}
	if code := rep.ExitCode(); code != verify.ExitOK {
		return &exitError{code: code}
	}
	return nil
}
