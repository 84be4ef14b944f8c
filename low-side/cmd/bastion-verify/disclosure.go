package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"bastion/low-side/verify"
	"bastion/shared/disclosure"
	"bastion/shared/hybrid"
)

// disclosureHelp is the long help of "bastion-verify disclosure".
const disclosureHelp = `Verify a signed disclosure of one committed field of one ledger entry.

A disclosure reveals the value and salt of one field that the ledger holds
only as a salted commitment. The check is offline: the statement's
signature and its checkpoint's signature by the high side's published key,
the entry's inclusion in that checkpoint (RFC 9162 audit path), and that
the value and salt open the entry's commitment.

Exit codes: 0 the disclosure verified; 1 it did not (the reason is
printed); 2 usage error or unreadable key; 3 the file could not be read.`

// disclosureResult is what "bastion-verify disclosure" prints.
type disclosureResult struct {
	File       string `json:"file"`
	OK         bool   `json:"ok"`
	Problem    string `json:"problem,omitempty"`
	Index      uint64 `json:"index"`
	EntryID    string `json:"entry_id,omitempty"`
	EntryType  string `json:"entry_type,omitempty"`
	Field      string `json:"field"`
	Value      string `json:"value,omitempty"`
	Origin     string `json:"origin,omitempty"`
	TreeSize   uint64 `json:"tree_size,omitempty"`
	Root       string `json:"root,omitempty"`
	Leaf       string `json:"leaf,omitempty"`
	Commitment string `json:"commitment,omitempty"`
	Issuer     string `json:"issuer,omitempty"`
	IssuedNs   int64  `json:"issued_ns,omitempty"`
}

// disclosureCommand is "bastion-verify disclosure FILE --key FILE".
func disclosureCommand(stdout io.Writer) *cobra.Command {
	var keyFile string
	var asJSON bool
	c := &cobra.Command{
		Use:   "disclosure FILE --key FILE",
		Short: "Verify a signed disclosure of one committed field",
		Long:  disclosureHelp,
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return verifyDisclosure(stdout, args[0], keyFile, asJSON)
		},
	}
	c.Flags().StringVar(&keyFile, "key", "", "the high side's published key file (required)")
	c.Flags().BoolVar(&asJSON, "json", false, "write the result as JSON")
	c.MarkFlagRequired("key")
	return c
}

func verifyDisclosure(stdout io.Writer, file, keyFile string, asJSON bool) error {
	text, err := os.ReadFile(keyFile)
	if err != nil {
		return &exitError{verify.ExitUsage, fmt.Errorf("failed to read key: %w", err)}
	}
	name, pub, err := hybrid.ParsePublicKeyText(text)
	if err != nil {
		return &exitError{verify.ExitUsage, fmt.Errorf("failed to parse key %s: %w", keyFile, err)}
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return &exitError{verify.ExitIO, fmt.Errorf("failed to read disclosure: %w", err)}
	}
	res := checkDisclosure(file, raw, disclosure.Key{Name: name, Public: pub})
	if err := writeDisclosure(stdout, res, asJSON); err != nil {
		return &exitError{verify.ExitIO, err}
	}
	if !res.OK {
		return &exitError{code: verify.ExitMismatch}
	}
	return nil
}

// checkDisclosure parses and verifies raw and describes the outcome.
func checkDisclosure(file string, raw []byte, key disclosure.Key) disclosureResult {
	res := disclosureResult{File: file}
	d, err := disclosure.Parse(raw)
	if err != nil {
		res.Problem = err.Error()
		return res
	}
	res.Index, res.Field, res.Origin, res.Issuer, res.IssuedNs = d.Index, d.Field, d.Origin, d.Issuer, d.Issued
	v, err := disclosure.Verify(d, key)
	if err != nil {
		res.Problem = err.Error()
		return res
	}
	res.OK, res.Value = true, d.Value
	res.EntryID, res.EntryType = v.Entry.ID, string(v.Entry.Type)
	res.TreeSize, res.Root, res.Leaf = v.Checkpoint.Size, v.Checkpoint.Root.String(), v.Leaf.String()
	res.Commitment = v.Commitment
	return res
}

func writeDisclosure(w io.Writer, r disclosureResult, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	if !r.OK {
		_, err := fmt.Fprintf(w, "FAIL %s: %s\n", r.File, r.Problem)
		return err
	}
	_, err := fmt.Fprintf(w, "OK %s\nentry %d (%s, %s) field %s = %q\n"+
		"included in %s at size %d, root %s, leaf %s\nissued by %s at %d ns\n",
		r.File, r.Index, r.EntryID, r.EntryType, r.Field, r.Value,
		r.Origin, r.TreeSize, r.Root, r.Leaf, r.Issuer, r.IssuedNs)
	return err
}
