// Command bastion-verify checks a guard export directory offline with the
// high side's published key: every batch signature, the chain of signed
// checkpoints and consistency proofs, every leaf hash up to the final root,
// the batch sequence and every full entry's schema.
//
//	bastion-verify archive DIR --key high-side.pub [--transition FILE]... [--cosigner FILE... [--quorum N]]
//	    [--checkpoint FILE]... [--min-size N] [--json]
//	bastion-verify bundle DIR --key guard-report.pub [--previous DIR] [--json]
//	bastion-verify proof FILE --key high-side.pub [--transition FILE]... [--cosigner FILE... [--quorum N]] [--json]
//
// With --transition, each checkpoint and batch is checked with the key
// valid at its ledger size: the published key up to the first transition
// statement's effective size, then each statement's new key (see
// verify.KeyRing).
//
// With --checkpoint, a signed checkpoint obtained independently of the
// archive is verified with the same key (or ring) and the archive must
// reach its size with the identical root there. Without one, an archive
// whose last batches were deleted, with an earlier batch's checkpoint put
// back and the unsigned chain-head rewritten, is internally consistent
// and cannot be told from a complete one. --min-size N demands only the
// size.
//
// Exit codes: 0 all verified, 1 a problem was found (a missing checkpoint
// or chain-head file included), 2 usage error, unreadable key or
// checkpoint, 3 the directory or a file could not be read. Results go to
// stdout, errors to stderr.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"bastion/low-side/verify"
	"bastion/shared/batch"
	"bastion/shared/cli"
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit code %d", e.code)
	}
	return e.err.Error()
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	root := &cobra.Command{Use: "bastion-verify", Short: "Verify Bastion audit archives offline",
		Long: "Verify Bastion audit archives and report bundles offline.\n\n" +
			"Exit codes: 0 everything verified, 1 a problem was found, 2 usage error or unreadable key, " +
			"3 a directory or file could not be read.",
		SilenceUsage: true, SilenceErrors: true,
		// Without a subcommand: the usage on stderr, exit 2.
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprint(stderr, cmd.UsageString())
			return &exitError{code: verify.ExitUsage}
		}}
	root.PersistentPreRunE = func(c *cobra.Command, _ []string) error {
		if name := cli.EmptyFlag(c.Flags()); name != "" {
			return &exitError{code: verify.ExitUsage, err: fmt.Errorf("bad --%s: empty value", name)}
		}
		return nil
	}
	root.AddCommand(archiveCommand(stdout), bundleCommand(stdout), proofCommand(stdout))
	root.AddCommand(disclosureCommand(stdout))
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return verify.ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "bastion-verify:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "bastion-verify:", err)
	return verify.ExitUsage
}

// archiveFlags are the flags of "bastion-verify archive".
type archiveFlags struct {
	keyFile     string
	transitions []string
	cosigners   []string
	quorum      int
	checkpoints []string
	quorumSet   bool // --quorum was given
	minSize     uint64
	asJSON      bool
}

// cosignHelp is the part of the long help of "archive" and "proof" about
// cosignatures.
const cosignHelp = `Cosignatures: with --cosigner, every checkpoint must carry valid
cosignatures by --quorum of the nodes whose keys are given. Only those can
be checked; a cosignature line under another name counts for nothing. No
signed file states the cluster's size or quorum, so the default quorum is a
majority of the keys given: the cluster's own default when every node's key
is given. With only some nodes' keys, a checkpoint the cluster cosigned
may carry fewer cosignatures by them; give --quorum Q-M, where Q is the
cluster's quorum and M the number of nodes whose key is not given (with 2
keys of a 3-node cluster of quorum 2: --quorum 1). A shortfall of the
default quorum on a checkpoint that carries cosignatures of nodes whose
keys were not given is reported as such, naming those nodes. An archive
reports all its checkpoints short of the quorum as one cosign_quorum
problem and checks everything else all the same.`

// cosignerUsage and quorumUsage describe --cosigner and --quorum.
const (
	cosignerUsage = "a high-side node's cosigner verifier key file (repeatable); " +
		"each checkpoint must carry --quorum of their cosignatures"
	quorumUsage = "how many of the --cosigner keys must have cosigned each checkpoint, 1 to their number " +
		"(default: a majority of them, the cluster's quorum when they are every node's key)"
)

// archiveHelp is the long help of "bastion-verify archive".
const archiveHelp = `Verify every batch, checkpoint and leaf of an export directory.

An archive cannot prove its own end: if its last batches are deleted, an
earlier batch's signed checkpoint put back and the unsigned chain-head file
rewritten, what remains is internally consistent and verifies. Pass a signed
checkpoint obtained independently (from the portal, a regulator's copy, a
published bulletin) with --checkpoint: the archive must reach its size with
the identical root there. --min-size N demands only the size.

The export must hold the tile folder whenever its ledger is not empty: the
guard publishes the tiles with every checkpoint. A missing tile is a
tile_missing problem; a missing or empty tile folder is one.

` + cosignHelp + `

Exit codes: 0 everything verified; 1 a problem was found (a missing
checkpoint or chain-head file included); 2 usage error, unreadable key or
an independent checkpoint that does not verify; 3 the directory or a file
could not be read.`

func archiveCommand(stdout io.Writer) *cobra.Command {
	var f archiveFlags
	c := &cobra.Command{
		Use: "archive DIR --key FILE [--transition FILE]... [--cosigner FILE]... [--quorum N] " +
			"[--checkpoint FILE]... [--min-size N]",
		Short: "Verify every batch, checkpoint and leaf of an export directory",
		Long:  archiveHelp,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.quorumSet = cmd.Flags().Changed("quorum")
			return verifyArchive(stdout, args[0], f)
		},
	}
	c.Flags().StringVar(&f.keyFile, "key", "", "the high side's published key file (required)")
	c.Flags().StringArrayVar(&f.transitions, "transition", nil,
		"a signed key transition statement (repeatable, any order)")
	c.Flags().StringArrayVar(&f.checkpoints, "checkpoint", nil,
		"a signed checkpoint obtained independently; the archive must reach it (repeatable)")
	c.Flags().Uint64Var(&f.minSize, "min-size", 0, "the smallest ledger size the archive must reach")
	c.Flags().StringArrayVar(&f.cosigners, "cosigner", nil, cosignerUsage)
	c.Flags().IntVar(&f.quorum, "quorum", 0, quorumUsage)
	c.Flags().BoolVar(&f.asJSON, "json", false, "write the report as JSON")
	c.MarkFlagRequired("key")
	return c
}

func verifyArchive(stdout io.Writer, dir string, f archiveFlags) error {
	ring, err := loadRing(f.keyFile, f.transitions)
	if err != nil {
		return &exitError{verify.ExitUsage, err}
	}
	if _, err := requireCosigners(ring, f.cosigners, f.quorum, f.quorumSet); err != nil {
		return &exitError{verify.ExitUsage, err}
	}
	anchors, err := loadAnchors(ring, f.checkpoints, f.minSize)
	if err != nil {
		return &exitError{verify.ExitUsage, err}
	}
	rep, err := verify.ArchiveWith(dir, ring, verify.Options{Limits: batch.Limits{}, Anchors: anchors})
	if err != nil {
		return &exitError{verify.ExitIO, err}
	}
	if f.asJSON {
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
