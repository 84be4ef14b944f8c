package appliance

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	firmwareconfig "bastion/firmware-config"
	"bastion/guard"
	"bastion/high-side/cosign"
	"bastion/high-side/node"
	"bastion/high-side/node/peertls"

	"github.com/pelletier/go-toml/v2"
)

// FIX counterparties the harness logs on as, one per FIX version.
var fixSessions = []struct{ Begin, Sender, Trader string }{
	{"FIX.4.2", "FLOOR42", "T-FIX42"},
	{"FIX.4.4", "FLOOR44", "T-FIX44"},
}

const fixCompID = "BASTION"

// writeNodeConfigs writes node.toml and services.toml for every node. With
// inputOrder, a node puts up to ReplayChunk entries in one Raft command
// (batch.max_entries) rather than its default 256; see Options.InputOrder.
func writeNodeConfigs(l *Layout, cfg *firmwareconfig.Appliance, inputOrder bool) error {
	var peers []node.Peer
	for _, n := range l.Nodes {
		peers = append(peers, node.Peer{ID: n.ID, RaftAddr: l.addr(n.Raft),
			GatewayAddr: "https://" + l.addr(n.Gateway)})
	}
	for _, n := range l.Nodes {
		nc := node.Config{
			NodeID: n.ID, DataDir: filepath.Join(n.Dir, "data"), RaftBind: l.addr(n.Raft),
			Peers: peers,
			TLS: node.TLSFiles{CACert: filepath.Join(l.PKIDir(), peertls.CACertFile),
				Cert: filepath.Join(l.PKIDir(), peertls.NodeCertFile(n.ID)),
				Key:  filepath.Join(l.PKIDir(), peertls.NodeKeyFile(n.ID))},
			// Three nodes share two cores with the guard, the portal and
			// the replay: timeouts a little above Raft's defaults keep a
			// busy machine from deposing a healthy leader.
			Raft: node.RaftTuning{
				HeartbeatTimeout:   node.Duration(2 * time.Second),
				ElectionTimeout:    node.Duration(2 * time.Second),
				LeaderLeaseTimeout: node.Duration(time.Second),
			},
		}
		if inputOrder {
			nc.Batch.MaxEntries = ReplayChunk
		}
		b, err := toml.Marshal(nc)
		if err != nil {
			return fmt.Errorf("failed to encode node configuration: %w", err)
		}
		if err := os.MkdirAll(n.Dir, 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(n.Dir, "node.toml"), b, 0o600); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(n.Dir, "services.toml"), servicesTOML(l, n, cfg), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// servicesTOML is a node's services file.
func servicesTOML(l *Layout, n NodeLayout, cfg *firmwareconfig.Appliance) []byte {
	lk := cfg.Link
	var b strings.Builder
	fmt.Fprintf(&b, "gateway_listen = %q\n", l.addr(n.Gateway))
	fmt.Fprintf(&b, "fix_listen = %q\n", l.addr(n.FIX))
	fmt.Fprintf(&b, "fix_comp_id = %q\n", fixCompID)
	fmt.Fprintf(&b, "hsm_dir = %q\n", l.HSMDir())
	fmt.Fprintf(&b, "key_name = %q\n", "high-side")
	if l.Form4Dir != "" {
		fmt.Fprintf(&b, "form4_dir = %q\n", l.Form4Dir)
	}
	for _, s := range fixSessions {
		// The replay client's certificate ("replay", see replay.go) is bound
		// to both CompIDs.
		fmt.Fprintf(&b, "\n[[fix_sessions]]\nbegin_string = %q\nsender_comp_id = %q\ntrader = %q\ncertificates = [\"replay\"]\n",
			s.Begin, s.Sender, s.Trader)
	}
	fmt.Fprintf(&b, "\n[link]\nname = %q\n", lk.Name)
	fmt.Fprintf(&b, "guard_addr = %q\n", l.addr(l.LinkIn))
	fmt.Fprintf(&b, "guard_key = %q\n", filepath.Join(l.GuardDir(), "guard.pub"))
	fmt.Fprintf(&b, "release_label = %q\n", cfg.Release.Label)
	fmt.Fprintf(&b, "max_data_shards = %d\nparity_shards = %d\n", lk.DataShards, lk.ParityShards)
	fmt.Fprintf(&b, "rate_mbps = %g\n", lk.RateMbps)
	fmt.Fprintf(&b, "batch_interval = %q\nbatch_max_entries = %d\n", lk.BatchInterval.String(), lk.BatchMaxEntries)
	// Every checkpoint needs the cosignatures of a majority of the nodes.
	fmt.Fprintf(&b, "\n[cosign]\nkeys_dir = %q\nquorum = %d\n", l.PKIDir(), len(l.Nodes)/2+1)
	return []byte(b.String())
}

// writeGuardConfig writes the guard's configuration.
func writeGuardConfig(l *Layout, cfg *firmwareconfig.Appliance) (string, error) {
	gc := guard.Config{
		Link:            cfg.Link.Name,
		Listen:          l.addr(l.GuardUDP),
		MetricsListen:   l.addr(l.GuardMetrics),
		HPKEKeyFile:     filepath.Join(l.GuardDir(), "guard.key"),
		HighSideKeyFile: filepath.Join(l.HSMDir(), "keys", "high-side.pub"),
		ReleaseLabel:    cfg.Release.Label,
		StateDir:        filepath.Join(l.GuardDir(), "state"),
		ExportDir:       l.ExportDir(),
		DirtyWords:      []string{"SECRET", "TOP SECRET", "NOFORN"},
		CosignQuorum:    len(l.Nodes)/2 + 1,
	}
	for _, n := range l.Nodes {
		gc.CosignerKeys = append(gc.CosignerKeys, cosign.VerifierKeyFile(l.PKIDir(), n.ID))
	}
	b, err := toml.Marshal(gc)
	if err != nil {
		return "", fmt.Errorf("failed to encode guard configuration: %w", err)
	}
	path := filepath.Join(l.GuardDir(), "guard.toml")
	return path, os.WriteFile(path, b, 0o600)
}
