// Package cluster runs the whole appliance for the throughput and latency
// benchmarks: the key ceremony, three bastion-node processes with fsync on,
// the lossy link, the guard and the portal, started by the appliance
// harness with the default configuration in a temporary state directory.
// It adds what the benchmarks need on top: an HTTPS client whose
// connection pool fits many concurrent callers, a recorder of
// per-submission latencies, a poller of the signed and published
// checkpoints, the offline verifier run, and a description of the machine.
package cluster

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	firmwareconfig "bastion/firmware-config"
	"bastion/high-side/replay"
	"bastion/test/appliance"
)

// Options say where the binaries are and how to keep the run.
type Options struct {
	// Bin holds bastion-node, bastion-guard, bastion-portal, bastionctl and
	// bastion-verify.
	Bin string
	// Keep leaves the state directory in place after Stop.
	Keep bool
	// Progress receives progress lines; nil discards them.
	Progress io.Writer
}

// Cluster is a running appliance prepared for benchmarking.
type Cluster struct {
	*appliance.Appliance
	State  string
	Client *Client
	opts   Options
}

// Start runs the appliance with the embedded default configuration in a
// new temporary state directory and waits for a ready leader.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	bin, err := filepath.Abs(opts.Bin)
	if err != nil {
		return nil, err
	}
	cfg, err := firmwareconfig.Parse("appliance.toml (embedded)", firmwareconfig.Default)
	if err != nil {
		return nil, err
	}
	state, err := os.MkdirTemp("", "bastion-bench-")
	if err != nil {
		return nil, fmt.Errorf("failed to create state directory: %w", err)
	}
	a, err := appliance.Start(ctx, appliance.Options{Bin: bin, State: state, Data: replay.DataDir(),
		Config: cfg, Progress: opts.Progress,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		if !opts.Keep {
			os.RemoveAll(state)
		}
		return nil, err
	}
	c := &Cluster{Appliance: a, State: state, opts: opts}
	c.Client, err = NewClient(a.Layout.PKIDir(), "replay", 512)
	if err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// Stop ends every process and removes the state directory unless Keep.
func (c *Cluster) Stop() {
	c.Appliance.Stop()
	if c.Client != nil {
		c.Client.Close()
	}
	if c.opts.Keep {
		fmt.Fprintf(c.opts.Progress, "bench: state kept in %s\n", c.State)
		return
	}
	os.RemoveAll(c.State)
}

// LeaderGateway returns the gateway URL of the ready leader.
func (c *Cluster) LeaderGateway(ctx context.Context) (string, error) {
	st, err := c.WaitLeader(ctx, 30*time.Second)
	if err != nil {
		return "", err
	}
	for i, n := range c.Layout.Nodes {
		if n.ID == st.NodeID {
			return c.Gateway(i), nil
		}
	}
	return "", fmt.Errorf("leader %s is not in the layout", st.NodeID)
}

// PublicKeyFile is the high side's published key from the ceremony.
func (c *Cluster) PublicKeyFile() string {
	return filepath.Join(c.Layout.HSMDir(), "keys", "high-side.pub")
}
