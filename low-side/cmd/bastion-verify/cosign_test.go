package main

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"bastion/low-side/verify"
	"bastion/shared/checkpoint"
)

// cosignedProof writes the proof of proofOf with its checkpoint cosigned
// by node-2 and node-3, the high side's key and the two nodes' verifier
// keys.
func cosignedProof(t *testing.T) (file, key string, nodes []string) {
	t.Helper()
	p, hs := proofOf(t)
	tmp := t.TempDir()
	note := []byte(p.Checkpoint)
	for _, name := range []string{"node-2", "node-3"} {
		pub, priv, err := ed25519.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		if note, err = checkpoint.Cosign(note, name, priv, time.Unix(1_700_000_000, 0)); err != nil {
			t.Fatal(err)
		}
		vkey := filepath.Join(tmp, name+".vkey")
		os.WriteFile(vkey, []byte(checkpoint.CosignerKey{Name: name, Public: pub}.String()+"\n"), 0o644)
		nodes = append(nodes, vkey)
	}
	p.Checkpoint = string(note)
	file, key = filepath.Join(tmp, "proof.json"), filepath.Join(tmp, "high-side.pub")
	os.WriteFile(file, p.Marshal(), 0o644)
	os.WriteFile(key, hs.KeyText(), 0o644)
	return file, key, nodes
}

func TestProofCosigners(t *testing.T) {
	file, key, nodes := cosignedProof(t)
	stranger := cosignerFile(t, t.TempDir(), "node-2")
	tests := []struct {
		name string
		args []string
		want int
		out  string
	}{
		{"both cosigners", []string{"--cosigner", nodes[0], "--cosigner", nodes[1]}, verify.ExitOK,
			"cosigned by node-2, node-3 (quorum 2)\n"},
		{"no cosigner given", nil, verify.ExitOK,
			"warning: cosignatures not checked (no --cosigner key given): node-2, node-3\n"},
		{"another key named node-2", []string{"--cosigner", stranger, "--cosigner", nodes[1], "--quorum", "1"},
			verify.ExitMismatch, "FAILED: " + file + ": checkpoint: note signature does not verify: " +
				"cosignature line of node-2 has key id "},
		{"quorum of another node", []string{"--cosigner", nodes[1], "--cosigner", cosignerFile(t, t.TempDir(), "node-4")},
			verify.ExitMismatch, "1 of 2 required (verified: node-3; no cosignature by node-4)"},
		{"json", []string{"--cosigner", nodes[0], "--json"}, verify.ExitOK,
			`"cosignatures_checked": true,` + "\n" + `  "cosigners": [` + "\n" + `    "node-2"` + "\n  ],\n" + `  "quorum": 1,` + "\n" + `  "unchecked_signers": [` + "\n" + `    "node-3"`},
		{"a cosigner given, another not", []string{"--cosigner", nodes[1], "--quorum", "1"}, verify.ExitOK,
			"cosigned by node-3 (quorum 1)\nwarning: signature lines of keys not given, not checked: node-2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append([]string{"proof", file, "--key", key}, tt.args...)
			if code := run(args, &out, &errb); code != tt.want || !strings.Contains(out.String(), tt.out) {
				t.Errorf("bastion-verify %v = %d, %q; want %d and %q (stderr %s)", args, code, out.String(),
					tt.want, tt.out, errb.String())
			}
		})
	}
}

// TestProofCosignatureBytes flips every byte of the node-2 and node-3
// cosignature lines of a proof file, one at a time. With both nodes'
// keys every flip fails, naming the file; without --cosigner a flip in
// the signature bytes still verifies, with the warning that cosignatures
// were not checked.
func TestProofCosignatureBytes(t *testing.T) {
	file, key, nodes := cosignedProof(t)
	orig, _ := os.ReadFile(file)
	withKeys := []string{"proof", file, "--key", key, "--cosigner", nodes[0], "--cosigner", nodes[1]}
	for _, node := range []string{"node-2", "node-3"} {
		start := bytes.Index(orig, []byte("\u2014 "+node+" "))
		end := start + bytes.Index(orig[start:], []byte(`\n`))
		for i := start; i < end; i++ {
			b := bytes.Clone(orig)
			b[i] ^= 0x01
			os.WriteFile(file, b, 0o644)
			var out, errb bytes.Buffer
			code := run(withKeys, &out, &errb)
			if code != verify.ExitMismatch || !strings.HasPrefix(out.String(), "FAILED: "+file+": ") {
				t.Fatalf("%s line, byte %d (%q) flipped: exit %d, %q; want %d naming %s",
					node, i-start, orig[i], code, out.String(), verify.ExitMismatch, file)
			}
		}

		// With a quorum of one, the other node's cosignature is enough:
		// a flip may pass only by renaming the line to a key not given,
		// which is then listed as not checked.
		quorum1 := append(slices.Clone(withKeys), "--quorum", "1")
		for i := start; i < end; i++ {
			b := bytes.Clone(orig)
			b[i] ^= 0x01
			os.WriteFile(file, b, 0o644)
			var out, errb bytes.Buffer
			code := run(quorum1, &out, &errb)
			renamed := regexp.MustCompile(`(?m)^warning: signature lines of keys not given, not checked: (.*)$`).
				FindStringSubmatch(out.String())
			if code != verify.ExitOK {
				continue
			}
			if renamed == nil || renamed[1] == "node-2" || renamed[1] == "node-3" {
				t.Fatalf("%s line, byte %d (%q) flipped, quorum 1: exit 0, %q; want a failure or the renamed line "+
					"listed as not checked", node, i-start, orig[i], out.String())
			}
		}

		// A letter of the signature in another case is still base64.
		b := bytes.Clone(orig)
		i := end - 5
		for !unicode.IsLetter(rune(b[i])) {
			i--
		}
		b[i] ^= 0x20
		os.WriteFile(file, b, 0o644)
		var out, errb bytes.Buffer
		code := run([]string{"proof", file, "--key", key}, &out, &errb)
		want := "warning: cosignatures not checked (no --cosigner key given): node-2, node-3\n"
		if code != verify.ExitOK || !strings.HasSuffix(out.String(), want) {
			t.Fatalf("%s signature flipped, no --cosigner: exit %d, %q; want %d and %q", node, code, out.String(),
				verify.ExitOK, want)
		}
		out.Reset()
		code = run(withKeys, &out, &errb)
		if want := "cosignature by " + node + "+"; code != verify.ExitMismatch || !strings.Contains(out.String(), want) {
			t.Fatalf("%s signature flipped, with --cosigner: exit %d, %q; want %d naming %q", node, code,
				out.String(), verify.ExitMismatch, want)
		}
	}
}
