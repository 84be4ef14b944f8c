package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"bastion/shared/disclosure"
)

func init() { root.AddCommand(discloseCommand()) }

// discloseCommand is "disclose --index N --field F": have the gateway
// issue a signed disclosure and write it, byte for byte, to stdout or to
// --out, a file that must not exist yet. The gateway records the request and refuses an actor without
// the disclose action.
func discloseCommand() *cobra.Command {
	var g gatewayFlags
	var index uint64
	var field, out string
	c := &cobra.Command{
		Use:   "disclose --index N --field F",
		Short: "Obtain a signed disclosure of one committed field of one ledger entry",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			code, body, err := g.call(cmd.Context(), "POST", "/v1/disclosures",
				map[string]any{"index": index, "field": field})
			if err == nil {
				err = expectOK(code, body)
			}
			if err != nil {
				return err
			}
			if _, err := disclosure.Parse(body); err != nil {
				return fmt.Errorf("the gateway's answer is not a disclosure: %w", err)
			}
			if out == "" {
				_, err = cmd.OutOrStdout().Write(body)
				return err
			}
			return createFile("--out", out, body, 0o600)
		},
	}
	g.register(c)
	c.Flags().Uint64Var(&index, "index", 0, "ledger index of the entry (required)")
	c.Flags().StringVar(&field, "field", "", "committed field to disclose: account, from or to (required)")
	c.Flags().StringVar(&out, "out", "", "write the disclosure to this new file (0600) instead of stdout")
	c.MarkFlagRequired("index")
	c.MarkFlagRequired("field")
	return c
}
