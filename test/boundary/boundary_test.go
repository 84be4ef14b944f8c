// Package boundary holds the test that keeps the two security domains
// apart: code of the low side (the guard and the portal) never links code of
// the high side, and the other way round. Both may use shared/ and diode/.
package boundary

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "bastion"

// deps returns the packages of this module that pattern's packages depend on.
func deps(t *testing.T, pattern string) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps",
		"-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, pattern)
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", pattern, err, out)
	}
	m := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && strings.HasPrefix(f[0], module+"/") {
			m[f[0]] = f[1:]
		}
	}
	return m
}

func TestDomainsDoNotImportEachOther(t *testing.T) {
	tests := []struct {
		name      string
		roots     []string
		forbidden []string
	}{
		{"low side", []string{"./low-side/...", "./guard/..."}, []string{module + "/high-side/"}},
		{"high side", []string{"./high-side/..."}, []string{module + "/low-side/", module + "/guard/"}},
		{"shared", []string{"./shared/...", "./diode/..."},
			[]string{module + "/high-side/", module + "/low-side/", module + "/guard/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, root := range tt.roots {
				for pkg, ds := range deps(t, root) {
					for _, d := range append([]string{pkg}, ds...) {
						for _, f := range tt.forbidden {
							if strings.HasPrefix(d, f) {
								t.Errorf("%s depends on %s, which the %s may not link", pkg, d, tt.name)
							}
						}
					}
				}
			}
		})
	}
}

// The high side's binaries never link the portal's web stack: its login
// libraries and browser tooling. (html/template itself comes in with
// net/rpc through Raft's codec and is no sign of the portal.)
func TestHighSideDoesNotLinkPortal(t *testing.T) {
	web := []string{"github.com/go-webauthn/", "github.com/pquerna/otp", "github.com/chromedp/"}
	for pkg, ds := range deps(t, "./high-side/...") {
		for _, d := range ds {
			for _, w := range web {
				if strings.HasPrefix(d, w) {
					t.Errorf("%s links %s", pkg, d)
				}
			}
		}
	}
}
