package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServicesRanges: link floats out of range, NaN and infinities among
// them, are refused naming the key.
func TestServicesRanges(t *testing.T) {
	const base = `gateway_listen = "127.0.0.1:0"
hsm_dir = "hsm"
key_name = "high-side"
[link]
name = "audit"
guard_addr = "127.0.0.1:7000"
guard_key = "guard.pub"
release_label = "internal"
`
	for _, tc := range []struct{ name, extra, want string }{
		{"in range", "design_loss = 0.05\nrate_mbps = 800.0\n", ""},
		{"loss NaN", "design_loss = nan\n", "link.design_loss: NaN out of range"},
		{"loss too high", "design_loss = 0.5\n", "link.design_loss: 0.5 out of range"},
		{"rate NaN", "rate_mbps = nan\n", "link.rate_mbps: NaN out of range"},
		{"rate infinite", "rate_mbps = inf\n", "link.rate_mbps: +Inf out of range"},
		{"rate negative", "rate_mbps = -5.0\n", "link.rate_mbps: -5 out of range"},
	} {
		path := filepath.Join(t.TempDir(), "services.toml")
		if err := os.WriteFile(path, []byte(base+tc.extra), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := loadServices(path)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v, want no error", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
