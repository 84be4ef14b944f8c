package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"bastion/guard"
	"bastion/guard/guardtest"
	"bastion/low-side/portal"
	"bastion/low-side/portal/guardlog"
	"bastion/low-side/report"
	"bastion/low-side/verify"
	"bastion/shared/batch"
	"bastion/shared/merkle"
)

// proofFiles writes a proof of ledger index 1 of a three-entry batch, a
// copy with one path hash flipped, the high side's key and another key.
func proofFiles(t *testing.T) (good, bad, key, otherKey string) {
	t.Helper()
	p, hs := proofOf(t)
	tmp := t.TempDir()
	good, bad = filepath.Join(tmp, "proof.json"), filepath.Join(tmp, "bad.json")
	os.WriteFile(good, p.Marshal(), 0o644)
	p.Path[0][0] ^= 1
	os.WriteFile(bad, p.Marshal(), 0o644)
	key, otherKey = filepath.Join(tmp, "high-side.pub"), filepath.Join(tmp, "other.pub")
	os.WriteFile(key, hs.KeyText(), 0o644)
	os.WriteFile(otherKey, guardtest.New(t, "link-1").KeyText(), 0o644)
	return good, bad, key, otherKey
}

// proofOf returns the proof of ledger index 1 of a three-entry batch and
// the high side that signed its checkpoint.
func proofOf(t *testing.T) (*verify.Proof, *guardtest.HighSide) {
	t.Helper()
	hs := guardtest.New(t, "link-1")
	for i := range 3 {
		hs.Append(t, guardtest.Order(t, i, guardtest.Releasable))
	}
	_, raw := hs.Next(t)
	b, err := batch.Parse(raw, batch.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var leaves []merkle.Hash
	for _, it := range b.Items {
		leaves = append(leaves, it.Hash)
	}
	path, err := verify.InclusionPath(leaves, 1)
	if err != nil {
		t.Fatal(err)
	}
	return &verify.Proof{Format: verify.ProofFormat, Index: 1, TreeSize: 3, LeafHash: leaves[1],
		Entry: b.Items[1].Entry, Path: path, Checkpoint: string(b.Checkpoint)}, hs
}

func TestProofCommand(t *testing.T) {
	good, bad, key, other := proofFiles(t)
	noLeaf := filepath.Join(t.TempDir(), "no-leaf.json")
	text, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	cut := regexp.MustCompile(`\n\s*"leaf_hash": "[0-9a-f]{64}",`)
	if !cut.Match(text) {
		t.Fatalf("proof file has no leaf_hash line:\n%s", text)
	}
	if err := os.WriteFile(noLeaf, cut.ReplaceAll(text, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want int
		out  string
	}{
		{"genuine", []string{"proof", good, "--key", key}, verify.ExitOK, "OK: entry at ledger index 1"},
		{"json", []string{"proof", good, "--key", key, "--json"}, verify.ExitOK, `"ok": true`},
		{"path flipped", []string{"proof", bad, "--key", key}, verify.ExitMismatch, "FAILED: " + bad + ": inclusion proof does not verify"},
		{"other key", []string{"proof", good, "--key", other}, verify.ExitMismatch, "FAILED: " + good + ": checkpoint"},
		{"not a proof", []string{"proof", key, "--key", key}, verify.ExitMismatch, "FAILED: " + key + ": malformed inclusion proof"},
		{"no cosignatures", []string{"proof", good, "--key", key}, verify.ExitOK,
			"warning: cosignatures not checked (no --cosigner key given); the checkpoint carries none"},
		{"no leaf hash", []string{"proof", noLeaf, "--key", key}, verify.ExitMismatch,
			"FAILED: " + noLeaf + ": malformed inclusion proof: leaf_hash missing\n"},
		{"no key", []string{"proof", good}, verify.ExitUsage, ""},
		{"missing file", []string{"proof", good + "x", "--key", key}, verify.ExitIO, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tt.args, &out, &errb); code != tt.want || !strings.Contains(out.String(), tt.out) {
				t.Errorf("bastion-verify %v = %d, %q; want %d and %q (stderr %s)", tt.args, code, out.String(),
					tt.want, tt.out, errb.String())
			}
		})
	}
}

// TestProofFromPortal downloads a proof from the portal over a real guard
// export and checks it with the command, as a regulator would.
func TestProofFromPortal(t *testing.T) {
	tmp := t.TempDir()
	hs := guardtest.New(t, "link-1")
	keyFile := filepath.Join(tmp, "high-side.pub")
	os.WriteFile(keyFile, hs.KeyText(), 0o644)
	cfg := &guard.Config{Link: "link-1", HighSideKeyFile: keyFile, ReleaseLabel: "confidential/trading",
		StateDir: filepath.Join(tmp, "state"), ExportDir: filepath.Join(tmp, "export")}
	g, err := guard.Open(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for range 2 {
		for i := range 3 {
			hs.Append(t, guardtest.Order(t, i, guardtest.Releasable))
		}
		seq, raw := hs.Next(t)
		if out, err := g.Submit(seq, raw); err != nil || out == guard.Rejected {
			t.Fatalf("Submit(%d) = %v, %v", seq, out, err)
		}
	}
	dir := report.ExportDir{Root: cfg.ExportDir, Parse: func(raw []byte) (*report.Batch, error) {
		b, err := batch.Parse(raw, batch.DefaultLimits())
		if err != nil {
			return nil, err
		}
		out := &report.Batch{Seq: b.Seq, First: b.First, Checkpoint: b.Checkpoint}
		for _, it := range b.Items {
			out.Items = append(out.Items, report.Item{Entry: it.Entry, Hash: it.Hash})
		}
		return out, nil
	}}
	exp := report.NewExport(dir, nil)
	if _, err := exp.Refresh(); err != nil {
		t.Fatal(err)
	}
	srv := portal.New(portal.Config{Export: exp, Dir: dir, GuardLog: guardlog.New(filepath.Join(tmp, "none"), 0)})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/proof/2.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /proof/2.json = %d %s", rec.Code, rec.Body.String())
	}
	file := filepath.Join(tmp, "proof-2.json")
	os.WriteFile(file, rec.Body.Bytes(), 0o644)
	var out, errb bytes.Buffer
	if code := run([]string{"proof", file, "--key", keyFile}, &out, &errb); code != verify.ExitOK ||
		!strings.Contains(out.String(), "ledger index 2") || !strings.Contains(out.String(), "of size 6") {
		t.Errorf("bastion-verify proof = %d, %q (stderr %s); want OK for index 2 in size 6", code, out.String(), errb.String())
	}
}
