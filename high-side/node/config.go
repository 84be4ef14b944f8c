package node

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"bastion/high-side/node/peertls"

	"github.com/pelletier/go-toml/v2"
)

// Config is a node's configuration, read from TOML by LoadConfig. Every
// node of a cluster lists the same peers.
type Config struct {
	// NodeID names this node; it must be one of Peers and match the common
	// name of its TLS certificate.
	NodeID string `toml:"node_id"`
	// DataDir holds the state file, the Raft log and the snapshots. It is
	// created with mode 0700.
	DataDir string `toml:"data_dir"`
	// RaftBind is the address the Raft listener binds, host:port.
	RaftBind string `toml:"raft_bind"`
	// RaftAdvertise is the address peers dial; this node's RaftAddr in
	// Peers when empty.
	RaftAdvertise string `toml:"raft_advertise"`
	// Peers is the fixed membership, this node included.
	Peers []Peer `toml:"peers"`
	// TLS names the PEM files of the node's identity.
	TLS TLSFiles `toml:"tls"`
	// Raft tunes consensus; zero fields take the defaults.
	Raft RaftTuning `toml:"raft"`
	// Batch tunes how submissions are grouped into Raft commands.
	Batch BatchTuning `toml:"batch"`
}

// Peer is one member of the cluster.
type Peer struct {
	ID          string `toml:"id"`
	RaftAddr    string `toml:"raft_addr"`    // host:port peers dial for Raft
	GatewayAddr string `toml:"gateway_addr"` // where clients are redirected, e.g. https://host:port
}

// TLSFiles are the PEM files of a node's TLS identity; GeneratePKI writes
// them. The key file must have mode 0600.
type TLSFiles struct {
	CACert string `toml:"ca_cert"`
	Cert   string `toml:"cert"`
	Key    string `toml:"key"`
}

// RaftTuning holds Raft's timing and log-compaction settings.
type RaftTuning struct {
	HeartbeatTimeout   Duration `toml:"heartbeat_timeout"`    // default 1s
	ElectionTimeout    Duration `toml:"election_timeout"`     // default 1s
	LeaderLeaseTimeout Duration `toml:"leader_lease_timeout"` // default 500ms
	CommitTimeout      Duration `toml:"commit_timeout"`       // default 50ms
	ApplyTimeout       Duration `toml:"apply_timeout"`        // default 10s: longest wait to enqueue a command
	MaxAppendEntries   int      `toml:"max_append_entries"`   // logs per replication RPC and disk write; default 64, at most 1024
	SnapshotThreshold  uint64   `toml:"snapshot_threshold"`   // logs between snapshots; default 8192
	SnapshotInterval   Duration `toml:"snapshot_interval"`    // how often the threshold is checked; default 2m
	TrailingLogs       uint64   `toml:"trailing_logs"`        // logs kept after a snapshot; default 10240
	RetainSnapshots    int      `toml:"retain_snapshots"`     // snapshot files kept; default 2
}

// BatchTuning says how the leader groups concurrent submissions into one
// Raft command.
type BatchTuning struct {
	MaxEntries  int      `toml:"max_entries"`   // entries per command; default 256, at most 4096
	MaxDelay    Duration `toml:"max_delay"`     // longest wait for more entries; default 500µs
	MaxInFlight int      `toml:"max_in_flight"` // commands proposed and not yet applied; default 4
}

// Duration is a time.Duration written in TOML as a string such as "250ms".
type Duration time.Duration

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	if v < 0 {
		return fmt.Errorf("negative duration %s", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// LoadConfig reads and validates a node configuration. An unknown key, a
// value of the wrong type or an invalid setting is an error naming the
// file, the line and the key.
func LoadConfig(path string) (Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("failed to read node config: %w", err)
	}
	var cfg Config
	dec := toml.NewDecoder(bytes.NewReader(raw)).DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, describeTOMLError(path, err)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

func describeTOMLError(path string, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		msgs := make([]string, 0, len(strict.Errors))
		for _, e := range strict.Errors {
			row, _ := e.Position()
			msgs = append(msgs, fmt.Sprintf("%s:%d: unknown key %q", path, row, strings.Join(e.Key(), ".")))
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, _ := de.Position()
		return fmt.Errorf("%s:%d: key %q: %s", path, row, strings.Join(de.Key(), "."), de.Error())
	}
	return fmt.Errorf("%s: %w", path, err)
}

// Validate checks the configuration and fills in defaults. Errors name the
// key at fault.
func (c *Config) Validate() error {
	if !peertls.ValidNodeID(c.NodeID) {
		return fmt.Errorf("node_id %q: want 1 to 63 characters of a-z, 0-9 and '-'", c.NodeID)
	}
	if c.DataDir == "" {
		return errors.New("data_dir: missing")
	}
	if err := c.validatePeers(); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(c.RaftBind); err != nil {
		return fmt.Errorf("raft_bind %q: %v", c.RaftBind, err)
	}
	if c.RaftAdvertise == "" {
		c.RaftAdvertise = c.self().RaftAddr
	}
	if c.RaftAdvertise != c.self().RaftAddr {
		return fmt.Errorf("raft_advertise %q differs from this node's raft_addr %q in peers", c.RaftAdvertise, c.self().RaftAddr)
	}
	for key, v := range map[string]string{"tls.ca_cert": c.TLS.CACert, "tls.cert": c.TLS.Cert, "tls.key": c.TLS.Key} {
		if v == "" {
			return fmt.Errorf("%s: missing", key)
		}
	}
	if err := c.Raft.defaults(); err != nil {
		return err
	}
	return c.Batch.defaults()
}

func (c *Config) validatePeers() error {
	if len(c.Peers) == 0 {
		return errors.New("peers: none configured")
	}
	ids, addrs := map[string]bool{}, map[string]bool{}
	for i, p := range c.Peers {
		if !peertls.ValidNodeID(p.ID) {
			return fmt.Errorf("peers[%d].id %q: want 1 to 63 characters of a-z, 0-9 and '-'", i, p.ID)
		}
		if _, _, err := net.SplitHostPort(p.RaftAddr); err != nil {
			return fmt.Errorf("peers[%d].raft_addr %q: %v", i, p.RaftAddr, err)
		}
		if ids[p.ID] || addrs[p.RaftAddr] {
			return fmt.Errorf("peers[%d]: id %q or raft_addr %q listed twice", i, p.ID, p.RaftAddr)
		}
		ids[p.ID], addrs[p.RaftAddr] = true, true
	}
	if !ids[c.NodeID] {
		return fmt.Errorf("node_id %q is not among peers", c.NodeID)
	}
	return nil
}

// self returns this node's entry in Peers.
func (c *Config) self() Peer {
	for _, p := range c.Peers {
		if p.ID == c.NodeID {
			return p
		}
	}
	return Peer{}
}

func (r *RaftTuning) defaults() error {
	setDuration(&r.HeartbeatTimeout, time.Second)
	setDuration(&r.ElectionTimeout, time.Second)
	setDuration(&r.LeaderLeaseTimeout, 500*time.Millisecond)
	setDuration(&r.CommitTimeout, 50*time.Millisecond)
	setDuration(&r.ApplyTimeout, 10*time.Second)
	setDuration(&r.SnapshotInterval, 2*time.Minute)
	setInt(&r.MaxAppendEntries, 64)
	setInt(&r.RetainSnapshots, 2)
	if r.SnapshotThreshold == 0 {
		r.SnapshotThreshold = 8192
	}
	if r.TrailingLogs == 0 {
		r.TrailingLogs = 10240
	}
	if r.MaxAppendEntries > 1024 {
		return fmt.Errorf("raft.max_append_entries %d: at most 1024", r.MaxAppendEntries)
	}
	if r.LeaderLeaseTimeout > r.HeartbeatTimeout {
		return fmt.Errorf("raft.leader_lease_timeout %v exceeds raft.heartbeat_timeout %v",
			time.Duration(r.LeaderLeaseTimeout), time.Duration(r.HeartbeatTimeout))
	}
	return nil
}

func (b *BatchTuning) defaults() error {
	setInt(&b.MaxEntries, 256)
	setInt(&b.MaxInFlight, 4)
	setDuration(&b.MaxDelay, 500*time.Microsecond)
	if b.MaxEntries > 4096 {
		return fmt.Errorf("batch.max_entries %d: at most 4096", b.MaxEntries)
	}
	return nil
}

func setDuration(d *Duration, def time.Duration) {
	if *d == 0 {
		*d = Duration(def)
	}
}

func setInt(v *int, def int) {
	if *v <= 0 {
		*v = def
	}
}
