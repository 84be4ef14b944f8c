package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const validConfig = `
node_id = "node-1"
data_dir = "/var/lib/bastion/node-1"
raft_bind = "0.0.0.0:7001"

[tls]
ca_cert = "/etc/bastion/pki/ca.crt"
cert = "/etc/bastion/pki/node-1.crt"
key = "/etc/bastion/pki/node-1.key"

[raft]
heartbeat_timeout = "750ms"
max_append_entries = 128

[batch]
max_delay = "100us"

[[peers]]
id = "node-1"
raft_addr = "10.0.0.1:7001"
gateway_addr = "https://10.0.0.1:8443"

[[peers]]
id = "node-2"
raft_addr = "10.0.0.2:7001"
gateway_addr = "https://10.0.0.2:8443"
`

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "node.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfig(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t, validConfig))
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"raft_advertise defaults to own raft_addr", cfg.RaftAdvertise, "10.0.0.1:7001"},
		{"heartbeat_timeout", time.Duration(cfg.Raft.HeartbeatTimeout), 750 * time.Millisecond},
		{"election_timeout default", time.Duration(cfg.Raft.ElectionTimeout), time.Second},
		{"max_append_entries", cfg.Raft.MaxAppendEntries, 128},
		{"batch.max_delay", time.Duration(cfg.Batch.MaxDelay), 100 * time.Microsecond},
		{"batch.max_entries default", cfg.Batch.MaxEntries, 256},
		{"peers", len(cfg.Peers), 2},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(string) string
		want string // substrings of the error, in order
	}{
		{"unknown top-level key", func(s string) string { return strings.Replace(s, "data_dir", "datadir", 1) },
			`node.toml:3: unknown key "datadir"`},
		{"unknown nested key", func(s string) string { return strings.Replace(s, "max_append_entries", "max_entries_x", 1) },
			`node.toml:13: unknown key "raft.max_entries_x"`},
		{"bad duration", func(s string) string { return strings.Replace(s, `"750ms"`, `"soon"`, 1) },
			`node.toml:12: key "raft.heartbeat_timeout"`},
		{"wrong type", func(s string) string { return strings.Replace(s, "128", `"many"`, 1) },
			`node.toml:13: key "raft.max_append_entries"`},
		{"node not among peers", func(s string) string { return strings.Replace(s, `node_id = "node-1"`, `node_id = "node-9"`, 1) },
			`node_id "node-9" is not among peers`},
		{"duplicate peer", func(s string) string { return strings.Replace(s, "10.0.0.2:7001", "10.0.0.1:7001", 1) },
			`peers[1]: id "node-2" or raft_addr "10.0.0.1:7001" listed twice`},
		{"missing key file", func(s string) string { return strings.Replace(s, `key = "/etc/bastion/pki/node-1.key"`, "", 1) },
			"tls.key: missing"},
		{"bad node id", func(s string) string { return strings.ReplaceAll(s, `"node-1"`, `"Node 1"`) },
			`node_id "Node 1"`},
		{"too many append entries", func(s string) string { return strings.Replace(s, "128", "5000", 1) },
			"raft.max_append_entries 5000: at most 1024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, tt.edit(validConfig)))
			if err == nil {
				t.Fatalf("LoadConfig succeeded, want error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// FuzzLoadConfig checks that no configuration text crashes the loader.
func FuzzLoadConfig(f *testing.F) {
	f.Add(validConfig)
	f.Add("node_id = 1\n[raft]\nheartbeat_timeout = \"-1s\"\n")
	f.Add("[[peers]]\nid = \"a\"\n[[peers]]\n")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text string) {
		p := filepath.Join(dir, "fuzz.toml")
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		LoadConfig(p)
	})
}
