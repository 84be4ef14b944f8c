package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"bastion/low-side/verify"
)

// proofHelp is the long help of "bastion-verify proof".
const proofHelp = `Verify an inclusion proof file downloaded from the portal.

The file holds one ledger entry (or, for an entry above the release label,
its leaf hash only), its RFC 6962 audit path and the signed checkpoint it is
proven against. The checkpoint's signatures are checked with the high side's
published key (and transitions), the entry's leaf hash is recomputed, and
the path must lead to the signed root.

Exit codes: 0 the proof verified; 1 it did not (or the file is malformed);
2 usage error or unreadable key; 3 the file could not be read.`

// proofResult is what "proof --json" writes.
type proofResult struct {
	OK       bool   `json:"ok"`
	Index    uint64 `json:"index"`
	TreeSize uint64 `json:"tree_size"`
	Origin   string `json:"origin,omitempty"`
	Root     string `json:"root,omitempty"`
	LeafHash string `json:"leaf_hash"`
	Entry    bool   `json:"entry_present"`
	Error    string `json:"error,omitempty"`
}

func proofCommand(stdout io.Writer) *cobra.Command {
	var keyFile string
	var transitions []string
	var asJSON bool
	c := &cobra.Command{
		Use:   "proof FILE --key FILE [--transition FILE]... [--json]",
		Short: "Verify a record's inclusion proof against its signed checkpoint",
		Long:  proofHelp,
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return verifyProof(stdout, args[0], keyFile, transitions, asJSON)
		},
	}
	c.Flags().StringVar(&keyFile, "key", "", "the high side's published key file (required)")
	c.Flags().StringArrayVar(&transitions, "transition", nil, "a signed key transition statement (repeatable)")
	c.Flags().BoolVar(&asJSON, "json", false, "write the result as JSON")
	c.MarkFlagRequired("key")
	return c
}

func verifyProof(stdout io.Writer, file, keyFile string, transitions []string, asJSON bool) error {
	ring, err := loadRing(keyFile, transitions)
	if err != nil {
		return &exitError{verify.ExitUsage, err}
	}
	b, err := readProofFile(file)
	if err != nil {
		return &exitError{verify.ExitIO, err}
	}
	res := proofResult{}
	p, err := verify.ParseProof(b)
	if err == nil {
		res = proofResult{Index: p.Index, TreeSize: p.TreeSize, LeafHash: p.LeafHash.String(), Entry: p.Entry != nil}
		cp, verr := p.Verify(ring.Open)
		res.Origin, res.Root, err = cp.Origin, cp.Root.String(), verr
	}
	res.OK = err == nil
	if err != nil {
		res.Error = err.Error()
	}
	if werr := writeProofResult(stdout, res, asJSON); werr != nil {
		return &exitError{verify.ExitIO, werr}
	}
	if !res.OK {
		return &exitError{code: verify.ExitMismatch}
	}
	return nil
}

// readProofFile reads a proof file of at most verify.MaxProofSize bytes.
func readProofFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("failed to open proof: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, verify.MaxProofSize+1))
	if err != nil {
		return nil, fmt.Errorf("failed to read proof: %w", err)
	}
	return b, nil
}

func writeProofResult(w io.Writer, r proofResult, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	if !r.OK {
		_, err := fmt.Fprintf(w, "FAILED: %s\n", r.Error)
		return err
	}
	what := "entry"
	if !r.Entry {
		what = "withheld entry (leaf hash only)"
	}
	_, err := fmt.Fprintf(w, "OK: %s at ledger index %d, leaf hash %s, is included in the signed checkpoint %s of size %d, root %s\n",
		what, r.Index, r.LeafHash, r.Origin, r.TreeSize, r.Root)
	return err
}
