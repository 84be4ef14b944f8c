package appliance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"bastion/diode"
	firmwareconfig "bastion/firmware-config"
	"bastion/high-side/node"
	"bastion/high-side/node/peertls"
	"bastion/test/lossylink"
)

// Options configure one run of the appliance.
type Options struct {
	// Bin holds the binaries (bastion-node, bastion-guard, bastion-portal,
	// bastionctl).
	Bin string
	// State is the state directory; it must be empty or absent.
	State string
	// Data is the real input folder; when it is absent the generator runs.
	Data string
	// Config is the appliance configuration.
	Config *firmwareconfig.Appliance
	// Progress receives progress lines.
	Progress io.Writer
	// Logger receives the harness's own diagnostics.
	Logger *slog.Logger
	// Limit caps the entries replayed (0: everything), for quick runs.
	Limit int
	// InputOrder has the nodes commit each request of Replay as one Raft
	// command, so that its entries are committed in input order and the
	// same input gets the same decisions on every run. Otherwise a node
	// splits a request into commands of 256 entries that commit in
	// whatever order they are replicated; the monitor's state after the
	// request (bounded per-account histories, the order a cycle search
	// visits accounts) then varies, and so do later decisions. It changes
	// how the nodes group concurrent submissions too, which is why the
	// benchmarks leave it off.
	InputOrder bool
}

// Appliance is a running appliance.
type Appliance struct {
	opts    Options
	Layout  *Layout
	Client  *Client
	procs   []*Process
	link    *lossylink.Link
	cancel  context.CancelFunc
	started time.Time
	// ceremonyEntries counts the ledger entries of the ceremony transcript.
	ceremonyEntries int
}

// Start lays out the state directory, runs the key ceremony, and starts the
// guard, the link, the three nodes and the portal. It returns once a
// leader is ready to take submissions and has recorded the ceremony's
// transcript as "cco"; a refused step fails the start.
func Start(ctx context.Context, opts Options) (*Appliance, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	a := &Appliance{opts: opts, started: time.Now()}
	if err := a.start(ctx); err != nil {
		a.Stop()
		return nil, err
	}
	return a, nil
}

func (a *Appliance) start(ctx context.Context) error {
	cfg := a.opts.Config
	if err := CheckConfig(cfg); err != nil {
		return fmt.Errorf("bad configuration: %w", err)
	}
	if err := prepareState(a.opts.State); err != nil {
		return err
	}
	l, err := NewLayout(a.opts.State, cfg)
	if err != nil {
		return fmt.Errorf("failed to pick ports: %w", err)
	}
	a.Layout = l
	if st, err := os.Stat(filepath.Join(a.opts.Data, "sec_form4")); err == nil && st.IsDir() {
		l.Form4Dir = filepath.Join(a.opts.Data, "sec_form4")
	}
	// The export folder exists before the guard or the portal starts: the
	// portal refuses to start without it.
	for _, d := range []string{l.LogDir(), l.GuardDir(), l.ExportDir(), l.ReportsDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}

	// Key ceremony: HSM tokens, KEK, hybrid signing key, custodian shares.
	if _, err := Run(ctx, a.bin("bastionctl"), nil, "ceremony", "init", "--dir", l.HSMDir(),
		"--tokens", "3", "--module", cfg.HighSide.HSMModule, "--json"); err != nil {
		return fmt.Errorf("key ceremony failed: %w", err)
	}
	a.progress("ceremony done: 3 HSM tokens, hybrid key %s", filepath.Join(l.HSMDir(), "keys", "high-side.pub"))

	// Cluster PKI, the guard's diode key, and every configuration file.
	var ids []string
	for _, n := range l.Nodes {
		ids = append(ids, n.ID)
	}
	if err := node.GeneratePKI(l.PKIDir(), ids, []string{l.Host, "localhost"}); err != nil {
		return fmt.Errorf("failed to make cluster certificates: %w", err)
	}
	if err := writeGuardKey(l); err != nil {
		return err
	}
	if err := writeNodeConfigs(l, cfg, a.opts.InputOrder); err != nil {
		return err
	}
	guardCfg, err := writeGuardConfig(l, cfg)
	if err != nil {
		return err
	}
	if err := peertls.IssueClientCert(l.PKIDir(), "replay"); err != nil {
		return fmt.Errorf("failed to issue the replay client's certificate: %w", err)
	}
	client, err := NewClient(l.PKIDir(), "replay")
	if err != nil {
		return err
	}
	a.Client = client

	// Low side first, so that nothing sent is lost to a late start.
	if err := a.spawn("guard", "bastion-guard", nil, "run", "--config", guardCfg); err != nil {
		return err
	}
	if err := a.startLink(); err != nil {
		return err
	}
	if err := a.spawn("portal", "bastion-portal", nil, "--export", l.ExportDir(), "--guard-log", l.GuardLog(),
		"--listen", l.addr(l.Portal), "--reports-dir", l.ReportsDir(),
		"--high-side-key", filepath.Join(l.HSMDir(), "keys", "high-side.pub")); err != nil {
		return err
	}

	// The high side.
	for _, n := range l.Nodes {
		env := []string{"SOFTHSM2_CONF=" + filepath.Join(l.HSMDir(), "softhsm2.conf")}
		if err := a.spawn(n.ID, "bastion-node", env, "--config", filepath.Join(n.Dir, "node.toml"),
			"--services", filepath.Join(n.Dir, "services.toml")); err != nil {
			return err
		}
	}
	leader, err := a.WaitLeader(ctx, time.Minute)
	if err != nil {
		return err
	}
	a.progress("cluster up: %d nodes, leader %s", len(l.Nodes), leader.NodeID)

	// The ceremony's transcript is the first thing the ledger records.
	n, err := a.recordCeremony(ctx)
	if err != nil {
		return err
	}
	a.progress("ceremony transcript recorded: %d steps as %s", n, CeremonyActor)
	return nil
}

func (a *Appliance) bin(name string) string { return filepath.Join(a.opts.Bin, name) }

func (a *Appliance) spawn(name, bin string, env []string, args ...string) error {
	p, err := StartProcess(name, a.Layout.LogDir(), a.bin(bin), env, args...)
	if err != nil {
		return err
	}
	a.procs = append(a.procs, p)
	return nil
}

func (a *Appliance) progress(format string, args ...any) {
	fmt.Fprintf(a.opts.Progress, "bastion: "+format+"\n", args...)
}

// startLink starts the loopback link between the nodes and the guard, which
// drops the configured fraction of datagrams at random on purpose.
func (a *Appliance) startLink() error {
	l := a.Layout
	link, err := lossylink.New(lossylink.Config{Listen: l.addr(l.LinkIn), To: l.addr(l.GuardUDP),
		Loss: a.opts.Config.Link.Loss, Seed: uint64(time.Now().UnixNano())})
	if err != nil {
		return fmt.Errorf("failed to start the link: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.link, a.cancel = link, cancel
	go func() { _ = link.Run(ctx) }()
	return nil
}

// LinkStats returns the loopback link's counters.
func (a *Appliance) LinkStats() lossylink.Stats { return a.link.Stats() }

// Stop ends every process and the link.
func (a *Appliance) Stop() {
	StopAll(a.procs, 10*time.Second)
	if a.cancel != nil {
		a.cancel()
		a.link.Close()
	}
}

// Check returns an error when the appliance can no longer work: the guard
// or the portal has exited, or so many nodes have that no quorum is left.
// A node that dies is survivable: the others elect a leader and go on.
func (a *Appliance) Check() error {
	down := 0
	var last error
	for _, p := range a.procs {
		done, err := p.Exited()
		if !done {
			continue
		}
		last = fmt.Errorf("%s", ProcessExit{Name: p.Name, Err: err, Log: p.LogPath})
		if !a.isNode(p.Name) {
			return last
		}
		down++
	}
	if n := len(a.Layout.Nodes); down > 0 && n-down <= n/2 {
		return fmt.Errorf("%d of %d nodes down, no quorum: %w", down, n, last)
	}
	return nil
}

func (a *Appliance) isNode(name string) bool {
	for _, n := range a.Layout.Nodes {
		if n.ID == name {
			return true
		}
	}
	return false
}

// KillNode ends node i at once (SIGKILL), as a crash would.
func (a *Appliance) KillNode(i int) error {
	for _, p := range a.procs {
		if p.Name == a.Layout.Nodes[i].ID {
			return p.Kill()
		}
	}
	return fmt.Errorf("no process for node %d", i)
}

// Gateway returns the gateway address of node i.
func (a *Appliance) Gateway(i int) string {
	return "https://" + a.Layout.addr(a.Layout.Nodes[i].Gateway)
}

// WaitLeader waits until one node leads and is ready.
func (a *Appliance) WaitLeader(ctx context.Context, timeout time.Duration) (Status, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if err := a.Check(); err != nil {
			return Status{}, err
		}
		for i := range a.Layout.Nodes {
			s, err := a.Client.Status(ctx, a.Gateway(i))
			if err == nil && s.State == "Leader" && s.Ready {
				return s, nil
			}
		}
		select {
		case <-ctx.Done():
			return Status{}, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return Status{}, errors.New("no leader was elected within " + timeout.String())
}

// Leader returns the index of the ready leader.
func (a *Appliance) Leader(ctx context.Context) (int, Status, error) {
	for i := range a.Layout.Nodes {
		s, err := a.Client.Status(ctx, a.Gateway(i))
		if err == nil && s.State == "Leader" {
			return i, s, nil
		}
	}
	return -1, Status{}, errors.New("no leader")
}

func writeGuardKey(l *Layout) error {
	priv, pub, err := diode.GenerateRecipientKey()
	if err != nil {
		return err
	}
	if err := diode.WritePrivateKeyFile(filepath.Join(l.GuardDir(), "guard.key"), priv); err != nil {
		return err
	}
	return diode.WritePublicKeyFile(filepath.Join(l.GuardDir(), "guard.pub"), pub)
}

// prepareState creates dir, which must be empty if it exists.
func prepareState(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("failed to create state directory: %w", err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(ents) > 0 {
		return fmt.Errorf("state directory %s is not empty", dir)
	}
	return nil
}

// writeJSON writes v to path, indented.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
