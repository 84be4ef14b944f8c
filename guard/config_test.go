package guard

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const goodConfig = `link = "bastion-1"
listen = "0.0.0.0:7400"
metrics_listen = "127.0.0.1:9470"
hpke_key_file = "/etc/bastion/guard.key"
high_side_key_file = "/etc/bastion/high-side.pub"
release_label = "confidential/trading"
state_dir = "/var/lib/bastion-guard"
export_dir = "/srv/bastion/export"
names = ["Ada Lovelace"]
dirty_words = ["SECRET", "NOFORN"]

[limits]
max_batch_bytes = 1048576
pending_batches = 16
`

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig("guard.toml", []byte(goodConfig))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	if c.Link != "bastion-1" || c.Limits.MaxBatchBytes != 1<<20 || c.Limits.PendingBatches != 16 ||
		c.Limits.MaxItems != DefaultMaxItems || c.Limits.PendingBytes != DefaultPendingBytes {
		t.Fatalf("config = %+v", c)
	}
}

func TestParseConfigTransitions(t *testing.T) {
	in := strings.Replace(goodConfig, "names =",
		"high_side_transitions = [\"/etc/bastion/t2.txt\", \"/etc/bastion/t1.txt\"]\nnames =", 1)
	c, err := ParseConfig("guard.toml", []byte(in))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	if got := strings.Join(c.HighSideTransitions, "|"); got != "/etc/bastion/t2.txt|/etc/bastion/t1.txt" {
		t.Fatalf("HighSideTransitions = %q, want both files in the order given", got)
	}
	if c, _ := ParseConfig("guard.toml", []byte(goodConfig)); len(c.HighSideTransitions) != 0 {
		t.Fatalf("HighSideTransitions = %q without the key, want none", c.HighSideTransitions)
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"unknown key (M11)", strings.Replace(goodConfig, "names =", "nmes =", 1),
			`guard.toml:9: unknown key "nmes"`},
		{"unknown nested key", goodConfig + "max_item = 3\n", `guard.toml:15: unknown key "limits.max_item"`},
		{"syntax", goodConfig + "x = \n", "guard.toml:15:"},
		{"wrong type", strings.Replace(goodConfig, `link = "bastion-1"`, "link = 5", 1), `key "link"`},
		{"missing key", strings.Replace(goodConfig, `state_dir = "/var/lib/bastion-guard"`, "", 1),
			`missing required key "state_dir"`},
		{"bad label", strings.Replace(goodConfig, "confidential/trading", "cosmic", 1), `key "release_label"`},
		{"transitions not a list", strings.Replace(goodConfig, "names =", "high_side_transitions = \"t1\"\nnames =", 1),
			`key "high_side_transitions"`},
		{"transition file empty", strings.Replace(goodConfig, "names =", "high_side_transitions = [\"\"]\nnames =", 1),
			`key "high_side_transitions": entry 1 is empty`},
		{"transition file twice", strings.Replace(goodConfig, "names =", "high_side_transitions = [\"t1\", \"t1\"]\nnames =", 1),
			`key "high_side_transitions": "t1" is listed twice`},
		{"pending smaller than a batch", strings.Replace(goodConfig, "pending_batches = 16", "pending_bytes = 10", 1),
			"pending buffer must hold at least one batch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig("guard.toml", []byte(tt.in))
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want ErrConfig containing %q", err, tt.want)
			}
		})
	}
}

func TestNameList(t *testing.T) {
	f := filepath.Join(t.TempDir(), "names")
	os.WriteFile(f, []byte("# staff\nGrace Hopper\n\n  Alan Turing  \n"), 0o600)
	c := &Config{Names: []string{"Ada Lovelace"}, NamesFile: f}
	got, err := c.NameList()
	if err != nil || strings.Join(got, "|") != "Ada Lovelace|Grace Hopper|Alan Turing" {
		t.Fatalf("NameList = %q, %v", got, err)
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(goodConfig))
	f.Add([]byte("[limits]\nmax_items = -1\n"))
	f.Add([]byte("link = \"\xff\"\n"))
	f.Add([]byte(strings.Replace(goodConfig, "names =", "high_side_transitions = [\"a\", \"\"]\nnames =", 1)))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := ParseConfig("fuzz.toml", in)
		if err == nil && (c.Link == "" || c.Limits.MaxBatchBytes < 1) {
			t.Fatalf("accepted an incomplete configuration: %+v", c)
		}
	})
}

// TestNoHighSideImports enforces that guard and low-side code never link
// high-side code.
func TestNoHighSideImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test", "bastion/guard/...", "bastion/low-side/verify/...",
		"bastion/low-side/cmd/bastion-verify/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "bastion/high-side") {
			t.Errorf("low-side code depends on %s", p)
		}
	}
}
