package main

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bastion/guard/export"
	"bastion/low-side/verify"
	"bastion/shared/checkpoint"
)

// cosignerFile writes a fresh cosigner verifier key called name.
func cosignerFile(t *testing.T, dir, name string) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name+".vkey")
	os.WriteFile(p, []byte(checkpoint.CosignerKey{Name: name, Public: pub}.String()+"\n"), 0o644)
	return p
}

// TestKeyUsageErrors checks key files that must stop the command before
// any batch is read, with exit code 2 and a message naming the file or
// the repeated key.
func TestKeyUsageErrors(t *testing.T) {
	dir, key := exportDir(t)
	tmp := t.TempDir()
	node1, node2 := cosignerFile(t, tmp, "node-1"), cosignerFile(t, tmp, "node-2")
	copyOf := filepath.Join(tmp, "copy.vkey")
	b, _ := os.ReadFile(node1)
	os.WriteFile(copyOf, b, 0o644)
	badKey := filepath.Join(tmp, "guard.pub")
	os.WriteFile(badKey, []byte("not a key\n"), 0o644)
	tests := []struct {
		name string
		args []string
		want []string // all in stderr
	}{
		{"same cosigner file twice", []string{"archive", dir, "--key", key, "--cosigner", node1, "--cosigner", node1},
			[]string{`cosigner key "node-1" given twice (` + node1 + " and " + node1 + ")"}},
		{"same cosigner key in two files", []string{"archive", dir, "--key", key, "--cosigner", node1,
			"--cosigner", node2, "--cosigner", copyOf}, []string{`cosigner key "node-1" given twice (` + node1 + " and " + copyOf + ")"}},
		{"two keys of one node", []string{"proof", dir, "--key", key, "--cosigner", node1, "--cosigner",
			cosignerFile(t, t.TempDir(), "node-1")}, []string{`two cosigner keys named "node-1" (` + node1 + " and "}},
		{"malformed archive key", []string{"archive", dir, "--key", badKey},
			[]string{"key " + badKey + ": malformed public key text"}},
		{"malformed proof key", []string{"proof", filepath.Join(tmp, "x.proof"), "--key", badKey},
			[]string{"key " + badKey + ": malformed public key text"}},
		{"malformed bundle key", []string{"bundle", dir, "--key", badKey}, []string{"key " + badKey + ": "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			got := run(tt.args, &out, &errOut)
			if got != verify.ExitUsage {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", got, verify.ExitUsage, out.String(), errOut.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut.String(), w) {
					t.Fatalf("stderr %q does not contain %q", errOut.String(), w)
				}
			}
			if out.Len() != 0 {
				t.Fatalf("stdout %q, want nothing", out.String())
			}
		})
	}
}

// TestEmptyExportFails checks that an export directory with nothing
// published fails with exit code 1, naming both missing files.
func TestEmptyExportFails(t *testing.T) {
	_, key := exportDir(t)
	d, err := export.Create(filepath.Join(t.TempDir(), "export"))
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	got := run([]string{"archive", d.Root(), "--key", key}, &out, &errOut)
	for _, w := range []string{"FAILED: 2 problems", "checkpoint file missing", "chain-head file missing"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("stdout lacks %q:\n%s", w, out.String())
		}
	}
	if got != verify.ExitMismatch {
		t.Fatalf("exit %d, want %d\nstderr: %s", got, verify.ExitMismatch, errOut.String())
	}
}
