// Package node is the replicated core of a high-side node: a Raft cluster
// of a fixed membership over mutually authenticated TLS, whose state
// machine applies ledger entries into one bbolt file per node.
//
// Writes go to the leader. For each submission the leader checks the
// actor's clearance, asks the monitor for a decision, commits the account
// fields, builds and encodes the entry envelope, and groups concurrent
// submissions into one Raft command; receipts carry the ledger index. An
// ID that was recorded before returns its stored receipt. A follower
// refuses writes with a *NotLeaderError naming the leader's gateway.
//
// The monitor's state lives in the leader's memory. A node that becomes
// leader first waits until every earlier entry is applied, then rebuilds
// the monitor by replaying the ledger, and only then takes submissions.
package node

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"bastion/high-side/monitor"
	"bastion/high-side/node/fsm"
	"bastion/high-side/node/peertls"
	"bastion/shared/hybrid"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"go.etcd.io/bbolt"
)

// Options are the parts of a node that are wired in code, not configured.
type Options struct {
	// Logger receives lifecycle messages; nil is silent.
	Logger *slog.Logger
	// Monitor decides submissions. Required.
	Monitor Monitor
	// Labels labels entries (clearance.Policy). Required.
	Labels Labeler
	// Clearance checks actors (*clearance.Registry). Required.
	Clearance Clearance
	// OnAlert, when set, receives the alerts the monitor raises as the
	// leader observes committed entries. It must not block.
	OnAlert func([]monitor.Alert)
	// Clock is the leader's clock for entry times; time.Now when nil.
	Clock func() time.Time
	// Credentials override the TLS files named in the configuration.
	Credentials *peertls.Credentials
	// PackKey verifies signed rule packs (PushRulePack); nil refuses them.
	PackKey *hybrid.PublicKey
	// NoSync skips fsync in the state file and the Raft log. Only for tests
	// that do not measure durability.
	NoSync bool
}

// Node is one member of the cluster. It implements intake.Submitter. All
// methods are safe for concurrent use.
type Node struct {
	cfg    Config
	opts   Options
	logger *slog.Logger

	fsm      *fsm.FSM
	raft     *raft.Raft
	logStore *raftboltdb.BoltStore
	stream   *peertls.StreamLayer
	trans    *raft.NetworkTransport
	gateways map[raft.ServerID]string

	pendMu   sync.Mutex
	pend     pending
	progress progress
	watchers watchers
	leaderCh chan bool
	batch    *batcher
	lastTime atomic.Int64
	packs    rulePacks

	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

// logCacheSize is how many of the newest Raft log entries the leader keeps
// in memory, so that replicating them to the followers does not read them
// back from the log file and decode them again. One entry is one command
// of at most BatchTuning.MaxEntries ledger entries.
const logCacheSize = 64

// File and directory names inside the data directory.
const (
	stateFile   = "state.db"
	raftLogFile = "raft.db"
)

// New opens the node's stores, joins the cluster and starts it. A node
// with no Raft state bootstraps the cluster with the configured membership;
// every member may do so with the same list. New returns an error for an
// invalid configuration or options, unreadable TLS files, an unusable data
// directory or a Raft listener that cannot bind.
func New(cfg Config, opts Options) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Monitor == nil || opts.Labels == nil || opts.Clearance == nil {
		return nil, errors.New("node options need a monitor, a labelling policy and a clearance registry")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	n := &Node{cfg: cfg, opts: opts, logger: opts.Logger.With(slog.String("node_id", cfg.NodeID)),
		gateways: map[raft.ServerID]string{}, leaderCh: make(chan bool, 1), stop: make(chan struct{}),
		pend: pending{byID: map[string]*draft{}, byIndex: map[uint64]*draft{}}}
	for _, p := range cfg.Peers {
		n.gateways[raft.ServerID(p.ID)] = p.GatewayAddr
	}
	n.progress.init()
	if err := n.open(); err != nil {
		n.closeStores()
		return nil, err
	}
	n.batch = newBatcher(n)
	n.wg.Add(2)
	go n.batch.run()
	go n.watchLeadership()
	n.logger.Info("node started", slog.String("raft_addr", cfg.RaftAdvertise),
		slog.Uint64("applied_index", n.fsm.AppliedIndex()), slog.Uint64("ledger_size", n.fsm.LedgerSize()))
	return n, nil
}

// open opens the state file, the Raft log, the snapshots and the
// transport, then starts Raft.
func (n *Node) open() error {
	if err := os.MkdirAll(n.cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("failed to create data directory: %w", err)
	}
	hl := newRaftLogger(n.logger)

	// The state machine and the stores it is replayed from.
	var err error
	n.fsm, err = fsm.Open(filepath.Join(n.cfg.DataDir, stateFile), fsm.Options{
		Logger: n.logger, OnAppend: n.placed, OnApply: n.applied, OnHalt: n.halted, NoSync: n.opts.NoSync,
	})
	if err != nil {
		return err
	}
	n.logStore, err = raftboltdb.New(raftboltdb.Options{
		Path: filepath.Join(n.cfg.DataDir, raftLogFile), NoSync: n.opts.NoSync,
		BoltOptions: &bbolt.Options{Timeout: time.Second, NoFreelistSync: true, FreelistType: bbolt.FreelistMapType},
	})
	if err != nil {
		return fmt.Errorf("failed to open raft log: %w", err)
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(n.cfg.DataDir, n.cfg.Raft.RetainSnapshots, hl.Named("snapshot"))
	if err != nil {
		return fmt.Errorf("failed to open snapshot store: %w", err)
	}
	if err := n.catchUpFromSnapshot(snaps); err != nil {
		return err
	}

	// The transport, then Raft itself.
	if err := n.openTransport(hl); err != nil {
		return err
	}
	logs, err := raft.NewLogCache(logCacheSize, n.logStore)
	if err != nil {
		return fmt.Errorf("failed to open raft log cache: %w", err)
	}
	n.raft, err = raft.NewRaft(n.raftConfig(hl), n.fsm, logs, n.logStore, snaps, n.trans)
	if err != nil {
		return fmt.Errorf("failed to start raft: %w", err)
	}
	return n.bootstrap(snaps)
}

// catchUpFromSnapshot restores the state file from the newest snapshot
// when the file is behind it (lost or replaced). Raft itself never
// restores at start: the state file persists, and Raft's log replay only
// adds what the file lacks.
func (n *Node) catchUpFromSnapshot(snaps raft.SnapshotStore) error {
	list, err := snaps.List()
	if err != nil || len(list) == 0 || list[0].Index <= n.fsm.AppliedIndex() {
		return err
	}
	meta, rc, err := snaps.Open(list[0].ID)
	if err != nil {
		return fmt.Errorf("failed to open snapshot %s: %w", list[0].ID, err)
	}
	n.logger.Warn("state file is behind the newest snapshot; restoring it",
		slog.Uint64("applied_index", n.fsm.AppliedIndex()), slog.Uint64("snapshot_index", meta.Index))
	return n.fsm.Restore(rc)
}

func (n *Node) openTransport(hl *raftLogger) error {
	creds := n.opts.Credentials
	if creds == nil {
		var err error
		if creds, err = peertls.LoadCredentials(n.cfg.TLS.CACert, n.cfg.TLS.Cert, n.cfg.TLS.Key); err != nil {
			return err
		}
	}
	members := peertls.Membership{}
	for _, p := range n.cfg.Peers {
		members[p.RaftAddr] = p.ID
	}
	var err error
	n.stream, err = peertls.Listen(n.cfg.RaftBind, n.cfg.RaftAdvertise, creds, members, n.logger)
	if err != nil {
		return err
	}
	n.trans = raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream: n.stream, MaxPool: 4, Timeout: 10 * time.Second, Logger: hl.Named("transport"),
	})
	return nil
}

func (n *Node) raftConfig(hl *raftLogger) *raft.Config {
	t := n.cfg.Raft
	c := raft.DefaultConfig()
	c.LocalID = raft.ServerID(n.cfg.NodeID)
	c.Logger = hl
	c.HeartbeatTimeout = time.Duration(t.HeartbeatTimeout)
	c.ElectionTimeout = time.Duration(t.ElectionTimeout)
	c.LeaderLeaseTimeout = time.Duration(t.LeaderLeaseTimeout)
	c.CommitTimeout = time.Duration(t.CommitTimeout)
	c.MaxAppendEntries = t.MaxAppendEntries
	c.BatchApplyCh = true
	c.SnapshotThreshold = t.SnapshotThreshold
	c.SnapshotInterval = time.Duration(t.SnapshotInterval)
	c.TrailingLogs = t.TrailingLogs
	c.NoSnapshotRestoreOnStart = true
	return c
}

// bootstrap writes the initial membership when the node has no state.
func (n *Node) bootstrap(snaps raft.SnapshotStore) error {
	has, err := raft.HasExistingState(n.logStore, n.logStore, snaps)
	if err != nil || has {
		return err
	}
	var conf raft.Configuration
	for _, p := range n.cfg.Peers {
		conf.Servers = append(conf.Servers, raft.Server{
			Suffrage: raft.Voter, ID: raft.ServerID(p.ID), Address: raft.ServerAddress(p.RaftAddr)})
	}
	if err := n.raft.BootstrapCluster(conf).Error(); err != nil && !errors.Is(err, raft.ErrCantBootstrap) {
		return fmt.Errorf("failed to bootstrap cluster: %w", err)
	}
	n.logger.Info("cluster bootstrapped", slog.Int("members", len(conf.Servers)))
	return nil
}

// Shutdown stops the node: a leader first hands leadership to another
// member, then Raft stops, pending submissions fail with ErrShutdown and
// the stores are closed. It is safe to call more than once.
func (n *Node) Shutdown() error {
	var err error
	n.stopOnce.Do(func() {
		if n.IsLeader() && len(n.cfg.Peers) > 1 {
			if terr := n.raft.LeadershipTransfer().Error(); terr != nil {
				n.logger.Warn("leadership transfer failed", slog.Any("error", terr))
			}
		}
		close(n.stop)

		// Stop Raft, then cut every peer connection: a replication
		// pipeline blocked on a peer that stopped answering would
		// otherwise hold Raft's shutdown forever.
		f := n.raft.Shutdown()
		n.stream.Close()
		err = f.Error()
		n.wg.Wait()
		err = errors.Join(err, n.closeStores())
		n.logger.Info("node stopped")
	})
	return err
}

// closeStores closes whatever open managed to open.
func (n *Node) closeStores() error {
	var errs []error
	if n.trans != nil {
		errs = append(errs, n.trans.Close())
	}
	if n.logStore != nil {
		errs = append(errs, n.logStore.Close())
	}
	if n.fsm != nil {
		errs = append(errs, n.fsm.Close())
	}
	return errors.Join(errs...)
}

// halted is the state machine's storage-failure hook: the node stops
// Raft so that a healthy member leads, and refuses writes until restarted.
func (n *Node) halted(err error) {
	n.logger.Error("storage failure; stopping raft on this node", slog.Any("error", err))
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		f := n.raft.Shutdown()
		n.stream.Close()
		f.Error()
	}()
}
