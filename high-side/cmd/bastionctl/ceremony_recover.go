package main

import (
	"fmt"
	"io"

	"bastion/high-side/hsm"

	"github.com/spf13/cobra"
)

// recoverCommand is "bastionctl ceremony recover": rebuild the KEK from
// custodian shares on fresh tokens and restore the signing key there.
func recoverCommand() *cobra.Command {
	var r hsm.Recovery
	var asJSON bool
	c := &cobra.Command{
		Use:   "recover --dir NEW --from OLD --shares FILE,FILE,FILE",
		Short: "Restore the signing key on fresh tokens from custodian shares and the ceremony's public files",
		Long: `Rebuilds the KEK from any threshold of custodian shares (each checked
against the Feldman commitment of OLD), initialises fresh SoftHSM tokens in
NEW, imports the KEK (its check value must be the one in OLD/ceremony.json),
unwraps the ECDSA key backup and checks that the sealed ML-DSA seed unseals
to the published key on every token. The published key does not change.
OLD needs only its public files: ceremony.json, keys/ and
shares/commitment.txt.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkRange("tokens", r.Tokens, 1, maxTokens); err != nil {
				return err
			}
			r.SoftHSM = true
			res, err := r.Run(cmd.Context(), logger)
			if err != nil {
				return err
			}
			return printRecovery(cmd.OutOrStdout(), res, asJSON)
		},
	}
	f := c.Flags()
	f.StringVar(&r.Dir, "dir", "", "new ceremony directory to create (must not exist or be empty)")
	f.StringVar(&r.From, "from", "", "the lost ceremony's directory, or a copy of its public files")
	f.StringSliceVar(&r.ShareFiles, "shares", nil, "custodian share files (mode 0600), comma-separated")
	f.StringVar(&r.Module, "module", "/usr/lib/softhsm/libsofthsm2.so", "PKCS#11 library")
	f.IntVar(&r.Tokens, "tokens", 3, "number of fresh tokens, 1 to 64")
	f.BoolVar(&r.Instances, "instances", false, "give each token a SoftHSM instance of its own (a copy of the library in DIR)")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	for _, name := range []string{"dir", "from", "shares"} {
		c.MarkFlagRequired(name)
	}
	return c
}

// printRecovery writes the recovered directory's record: the ceremony's
// lines followed by "recovered TIME", or JSON.
func printRecovery(w io.Writer, res *hsm.CeremonyResult, asJSON bool) error {
	if err := printCeremony(w, res, asJSON); err != nil || asJSON {
		return err
	}
	_, err := fmt.Fprintf(w, "recovered %s\n", res.Recovered)
	return err
}
