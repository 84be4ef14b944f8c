package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bastion/guard/export"
	"bastion/low-side/verify"
	"bastion/shared/checkpoint"
)

// TestQuorumRange checks that --quorum outside 1 to the number of
// --cosigner keys, an explicit 0 included, stops either command with exit
// code 2 and a message naming the flag and the range, before anything is
// read.
func TestQuorumRange(t *testing.T) {
	dir, key := exportDir(t)
	tmp := t.TempDir()
	node1, node2 := cosignerFile(t, tmp, "node-1"), cosignerFile(t, tmp, "node-2")
	keys := []string{"--cosigner", node1, "--cosigner", node2}
	tests := []struct {
		name  string
		extra []string
		want  string
	}{
		{"explicit 0", append([]string{"--quorum", "0"}, keys...), "--quorum 0 out of range 1 to 2 (the --cosigner keys given)"},
		{"negative", append([]string{"--quorum=-1"}, keys...), "--quorum -1 out of range 1 to 2 (the --cosigner keys given)"},
		{"above the keys", append([]string{"--quorum", "3"}, keys...), "--quorum 3 out of range 1 to 2 (the --cosigner keys given)"},
		{"explicit 0 without keys", []string{"--quorum", "0"}, "--quorum 0 without --cosigner keys"},
	}
	for _, cmd := range []string{"archive", "proof"} {
		for _, tt := range tests {
			t.Run(cmd+" "+tt.name, func(t *testing.T) {
				args := append([]string{cmd, dir, "--key", key}, tt.extra...)
				var out, errb bytes.Buffer
				code := run(args, &out, &errb)
				if code != verify.ExitUsage || !strings.Contains(errb.String(), tt.want) || out.Len() != 0 {
					t.Errorf("bastion-verify %v = %d, stdout %q, stderr %q; want %d, nothing on stdout and %q",
						args, code, out.String(), errb.String(), verify.ExitUsage, tt.want)
				}
			})
		}
	}
}

// TestArchiveQuorumShortfallOnce checks the text report of an archive
// whose checkpoint lacks the default quorum: the policy says it is the
// default, and the shortfall is the one problem, with no knock-on line
// about the chain-head.
func TestArchiveQuorumShortfallOnce(t *testing.T) {
	dir, key := exportDir(t)
	tmp := t.TempDir()
	args := []string{"archive", dir, "--key", key, "--cosigner", cosignerFile(t, tmp, "node-1"),
		"--cosigner", cosignerFile(t, tmp, "node-2")}
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	want := "cosigners 2 of node-1, node-2 (default: a majority of the keys given)\n" +
		"batches   1 (0 withheld)\n" +
		"entries   1 full entries parsed\n"
	problems := "verdict   FAILED: 1 problem\n" +
		"  1. cosign_quorum: batch 1: 1 checkpoint lacks the default quorum of 2 cosignatures by the keys given " +
		"(node-1, node-2); the first, of size 1: 0 of 2 required (verified: none; no cosignature by node-1, node-2)\n"
	if code != verify.ExitMismatch || !strings.Contains(out.String(), want) || !strings.HasSuffix(out.String(), problems) {
		t.Errorf("bastion-verify %v = %d:\n%s\nwant %d with\n%s...\n%s(stderr %s)", args, code, out.String(),
			verify.ExitMismatch, want, problems, errb.String())
	}
}

// TestProofQuorumPartialKeys checks a proof whose checkpoint node-2 and
// node-3 cosigned, with node-3's key and the key of node-1, which did not
// cosign: the default quorum of the two keys is not met, and the result
// names node-2 as not checked and says what to give; stating the quorum
// of the keys given verifies it.
func TestProofQuorumPartialKeys(t *testing.T) {
	file, key, nodes := cosignedProof(t)
	node1 := cosignerFile(t, t.TempDir(), "node-1")
	base := []string{"proof", file, "--key", key, "--cosigner", nodes[1], "--cosigner", node1}
	tests := []struct {
		name  string
		extra []string
		want  int
		out   string
	}{
		{"default quorum", nil, verify.ExitMismatch, "FAILED: " + file + ": checkpoint: checkpoint lacks a quorum of " +
			"cosignatures: 1 of 2 required (verified: node-3; no cosignature by node-1); cosignatures by node-2 " +
			"were not checked (no --cosigner key given): with only some nodes' keys, a majority of them (2) is not " +
			"the cluster's quorum; give every node's --cosigner key, or --quorum N, how many of the keys given must " +
			"cosign each checkpoint\n"},
		{"quorum stated", []string{"--quorum", "2"}, verify.ExitMismatch, "FAILED: " + file + ": checkpoint: " +
			"checkpoint lacks a quorum of cosignatures: 1 of 2 required (verified: node-3; no cosignature by node-1)\n"},
		{"quorum of the keys given", []string{"--quorum", "1"}, verify.ExitOK,
			"cosigned by node-3 (quorum 1)\nwarning: signature lines of keys not given, not checked: node-2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{}, base...), tt.extra...)
			var out, errb bytes.Buffer
			code := run(args, &out, &errb)
			if code != tt.want || !strings.HasSuffix(out.String(), tt.out) {
				t.Errorf("bastion-verify %v = %d, %q; want %d and %q (stderr %s)", args, code, out.String(),
					tt.want, tt.out, errb.String())
			}
		})
	}
}

// TestProofWithoutEntry checks that a proof file without its entry is
// reported as proving the leaf hash only, without claiming why the entry
// is absent: the format records no reason.
func TestProofWithoutEntry(t *testing.T) {
	p, hs := proofOf(t)
	p.Entry = nil
	tmp := t.TempDir()
	file, key := filepath.Join(tmp, "proof.json"), filepath.Join(tmp, "high-side.pub")
	os.WriteFile(file, p.Marshal(), 0o644)
	os.WriteFile(key, hs.KeyText(), 0o644)
	n, err := checkpoint.ParseNote([]byte(p.Checkpoint))
	if err != nil {
		t.Fatal(err)
	}
	cp, err := checkpoint.Parse(n.Text)
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run([]string{"proof", file, "--key", key}, &out, &errb)
	want := fmt.Sprintf("OK: leaf hash %s at ledger index 1 is included in the signed checkpoint %s of size 3, "+
		"root %s (leaf hash only: no entry in the proof file)\n", p.LeafHash, cp.Origin, cp.Root)
	if code != verify.ExitOK || !strings.HasPrefix(out.String(), want) {
		t.Errorf("bastion-verify proof = %d, %q (stderr %s); want %d and %q", code, out.String(), errb.String(),
			verify.ExitOK, want)
	}
}

// TestArchiveWithoutTiles checks that an export whose tile folder was
// deleted fails with exit code 1 and one problem saying so.
func TestArchiveWithoutTiles(t *testing.T) {
	dir, key := exportDir(t)
	if err := os.RemoveAll(filepath.Join(dir, export.TileDir)); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run([]string{"archive", dir, "--key", key}, &out, &errb)
	want := "verdict   FAILED: 1 problem\n" +
		"  1. tile_missing: tile folder is missing; the ledger of size 1 needs its tiles and entry bundles\n"
	if code != verify.ExitMismatch || !strings.HasSuffix(out.String(), want) {
		t.Errorf("bastion-verify archive = %d, %q; want %d ending in %q (stderr %s)", code, out.String(),
			verify.ExitMismatch, want, errb.String())
	}
}
