package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"bastion/low-side/verify"
	"bastion/shared/checkpoint"
)

// proofHelp is the long help of "bastion-verify proof".
const proofHelp = `Verify an inclusion proof file downloaded from the portal.

The file holds a ledger entry's leaf hash and, usually, the entry itself,
with its RFC 6962 audit path and the signed checkpoint it is proven
against. The checkpoint's signatures are checked with the high side's
published key (and transitions), the entry's leaf hash is recomputed when
the file carries the entry, and the path must lead to the signed root. A
file without an entry proves the leaf hash only; the file does not say why
the entry is absent (an entry above the release label has none to give),
and neither does the result.

The checkpoint may also carry cosignatures of the high side's nodes. A
cosignature line of a given node that does not verify is a failure naming
that node. Without --cosigner the result says that cosignatures were not
checked.

` + cosignHelp + `

Exit codes: 0 the proof verified; 1 it did not (or the file is malformed);
2 usage error or unreadable key; 3 the file could not be read.`

// proofResult is what "proof --json" writes.
type proofResult struct {
	File     string `json:"file"`
	OK       bool   `json:"ok"`
	Index    uint64 `json:"index"`
	TreeSize uint64 `json:"tree_size"`
	Origin   string `json:"origin,omitempty"`
	Root     string `json:"root,omitempty"`
	LeafHash string `json:"leaf_hash"`
	Entry    bool   `json:"entry_present"`
	// CosignaturesChecked is true when --cosigner keys were given.
	CosignaturesChecked bool `json:"cosignatures_checked"`
	// Cosigners are the nodes whose cosignature verified.
	Cosigners []string `json:"cosigners,omitempty"`
	Quorum    int      `json:"quorum,omitempty"`
	// Unchecked names the signature lines by neither the high side nor a
	// --cosigner key: not checked.
	Unchecked []string `json:"unchecked_signers,omitempty"`
	Error     string   `json:"error,omitempty"`
}

// proofFlags are the flags of "bastion-verify proof".
type proofFlags struct {
	keyFile     string
	transitions []string
	cosigners   []string
	quorum      int
	quorumSet   bool // --quorum was given
	asJSON      bool
}

func proofCommand(stdout io.Writer) *cobra.Command {
	var f proofFlags
	c := &cobra.Command{
		Use:   "proof FILE --key FILE [--transition FILE]... [--cosigner FILE... [--quorum N]] [--json]",
		Short: "Verify a record's inclusion proof against its signed checkpoint",
		Long:  proofHelp,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.quorumSet = cmd.Flags().Changed("quorum")
			return verifyProof(stdout, args[0], f)
		},
	}
	c.Flags().StringVar(&f.keyFile, "key", "", "the high side's published key file (required)")
	c.Flags().StringArrayVar(&f.transitions, "transition", nil, "a signed key transition statement (repeatable)")
	c.Flags().StringArrayVar(&f.cosigners, "cosigner", nil, cosignerUsage)
	c.Flags().IntVar(&f.quorum, "quorum", 0, quorumUsage)
	c.Flags().BoolVar(&f.asJSON, "json", false, "write the result as JSON")
	c.MarkFlagRequired("key")
	return c
}

func verifyProof(stdout io.Writer, file string, f proofFlags) error {
	ring, err := loadRing(f.keyFile, f.transitions)
	if err != nil {
		return &exitError{verify.ExitUsage, err}
	}
	q, err := requireCosigners(ring, f.cosigners, f.quorum, f.quorumSet)
	if err != nil {
		return &exitError{verify.ExitUsage, err}
	}
	b, err := readProofFile(file)
	if err != nil {
		return &exitError{verify.ExitIO, err}
	}
	res := checkProof(file, b, ring)
	res.Quorum = q
	if werr := writeProofResult(stdout, res, f.asJSON); werr != nil {
		return &exitError{verify.ExitIO, werr}
	}
	if !res.OK {
		return &exitError{code: verify.ExitMismatch}
	}
	return nil
}

// checkProof parses and verifies the proof file's content b with ring and
// describes the outcome.
func checkProof(file string, b []byte, ring *verify.KeyRing) proofResult {
	res := proofResult{File: file, CosignaturesChecked: ring.Cosigned()}
	p, err := verify.ParseProof(b)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Index, res.TreeSize, res.LeafHash, res.Entry = p.Index, p.TreeSize, p.LeafHash.String(), p.Entry != nil
	cp, err := p.Verify(func(note []byte) (checkpoint.Checkpoint, error) {
		cp, signed, err := ring.OpenCosigned(note)
		res.Cosigners = signed
		return cp, err
	})
	res.Origin, res.Root = cp.Origin, cp.Root.String()
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.OK, res.Unchecked = true, ring.UncheckedSigners([]byte(p.Checkpoint))
	return res
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
		_, err := fmt.Fprintf(w, "FAILED: %s: %s\n", r.File, r.Error)
		return err
	}
	in := fmt.Sprintf("is included in the signed checkpoint %s of size %d, root %s", r.Origin, r.TreeSize, r.Root)
	var err error
	if r.Entry {
		_, err = fmt.Fprintf(w, "OK: entry at ledger index %d, leaf hash %s, %s\n", r.Index, r.LeafHash, in)
	} else {
		// The format does not say why a file has no entry: say only that
		// it has none.
		_, err = fmt.Fprintf(w, "OK: leaf hash %s at ledger index %d %s (leaf hash only: no entry in the proof file)\n",
			r.LeafHash, r.Index, in)
	}
	if err == nil {
		_, err = fmt.Fprintln(w, cosignatureLine(r))
	}
	return err
}

// cosignatureLine says which cosignatures verified and which signature
// lines were not checked.
func cosignatureLine(r proofResult) string {
	unchecked := strings.Join(r.Unchecked, ", ")
	switch {
	case !r.CosignaturesChecked && unchecked == "":
		return "warning: cosignatures not checked (no --cosigner key given); the checkpoint carries none"
	case !r.CosignaturesChecked:
		return "warning: cosignatures not checked (no --cosigner key given): " + unchecked
	}
	line := fmt.Sprintf("cosigned by %s (quorum %d)", strings.Join(r.Cosigners, ", "), r.Quorum)
	if unchecked != "" {
		line += "\nwarning: signature lines of keys not given, not checked: " + unchecked
	}
	return line
}
