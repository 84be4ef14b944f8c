package appliance

import (
	"os"
	"path/filepath"
	"testing"

	firmwareconfig "bastion/firmware-config"
	"bastion/high-side/node"

	"github.com/pelletier/go-toml/v2"
)

// TestNodeConfigInputOrder checks that with InputOrder every node takes a
// whole replay chunk in one Raft command, and that without it the nodes
// keep their default.
func TestNodeConfigInputOrder(t *testing.T) {
	cfg, err := firmwareconfig.Parse("appliance.toml", firmwareconfig.Default)
	if err != nil {
		t.Fatal(err)
	}
	for _, inputOrder := range []bool{false, true} {
		l := &Layout{State: t.TempDir(), Host: "127.0.0.1"}
		for _, id := range cfg.HighSide.Nodes {
			l.Nodes = append(l.Nodes, NodeLayout{ID: id, Dir: filepath.Join(l.State, id)})
		}
		if err := writeNodeConfigs(l, cfg, inputOrder); err != nil {
			t.Fatal(err)
		}
		want := map[bool]int{false: 0, true: ReplayChunk}[inputOrder]
		for _, n := range l.Nodes {
			b, err := os.ReadFile(filepath.Join(n.Dir, "node.toml"))
			if err != nil {
				t.Fatal(err)
			}
			var nc node.Config
			if err := toml.Unmarshal(b, &nc); err != nil {
				t.Fatal(err)
			}
			if nc.Batch.MaxEntries != want {
				t.Errorf("input order %v: %s batch.max_entries %d, want %d", inputOrder, n.ID, nc.Batch.MaxEntries, want)
			}
		}
	}
}
