package boundary

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifierIsOfflineAndStatic keeps bastion-verify what auditors are
// promised: one static binary that links no code able to reach a network
// service or an HSM, and nothing of either domain's servers.
func TestVerifierIsOfflineAndStatic(t *testing.T) {
	root := filepath.Join("..", "..")
	cmd := exec.Command("go", "list", "-deps", "./low-side/cmd/bastion-verify")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	forbidden := []string{"net/http", "crypto/tls", "net/rpc", "github.com/miekg/pkcs11",
		"bastion/high-side/", "bastion/guard", "bastion/guard/", "bastion/low-side/portal"}
	for _, p := range strings.Fields(string(out)) {
		if p == "bastion/guard/export" {
			continue // the export folder's format, which it reads
		}
		for _, f := range forbidden {
			if p == f || (strings.HasSuffix(f, "/") && strings.HasPrefix(p, f)) || strings.HasPrefix(p, f+"/") {
				t.Errorf("bastion-verify links %s", p)
			}
		}
	}
	bin := filepath.Join(t.TempDir(), "bastion-verify")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "./low-side/cmd/bastion-verify")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("bastion-verify does not build without cgo: %v\n%s", err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b[:min(len(b), 4096)]), "/lib64/ld-linux") {
		t.Error("bastion-verify is dynamically linked")
	}
}
