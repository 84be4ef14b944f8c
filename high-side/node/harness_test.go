package node

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"bastion/high-side/intake"
	"bastion/high-side/monitor"
	"bastion/high-side/node/peertls"
	"bastion/shared/entry"

	"github.com/shopspring/decimal"
)

// fakeMonitor rejects the symbol BAD, flags an order ID it has observed
// before as a duplicate, and counts what it observed.
type fakeMonitor struct {
	mu       sync.Mutex
	seen     map[string]bool
	observed int
	resets   int
}

func (m *fakeMonitor) DecideOrder(o intake.Order, now time.Time) entry.Decision {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case o.Symbol == "BAD":
		return entry.Decision{Outcome: entry.Reject, Reasons: []string{entry.ReasonRestrictedList},
			Checks: []entry.Check{{Rule: "restricted", Result: entry.Fail, Reason: entry.ReasonRestrictedList}}}
	case m.seen[o.OrderID+string(o.Event)]:
		return entry.Decision{Outcome: entry.Review, Reasons: []string{entry.ReasonDuplicateOrder}}
	}
	return entry.Decision{Outcome: entry.Accept, RulePack: "test-1"}
}

func (m *fakeMonitor) DecidePayment(p intake.Payment, now time.Time) entry.Decision {
	return entry.Decision{Outcome: entry.Accept}
}

func (m *fakeMonitor) ObserveOrder(o intake.Order, d entry.Decision, at time.Time) []monitor.Alert {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.observed++
	m.seen[o.OrderID+string(o.Event)] = true
	if o.Account != "ACC-0042" {
		return []monitor.Alert{{TxID: o.ID, Rule: "account-not-opened"}}
	}
	return nil
}

func (m *fakeMonitor) ObservePayment(p intake.Payment, d entry.Decision, at time.Time) []monitor.Alert {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.observed++
	return nil
}

func (m *fakeMonitor) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen, m.observed = map[string]bool{}, 0
	m.resets++
}

func (m *fakeMonitor) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.observed
}

// fakeClearance labels everything internal/trading and refuses the actor
// mallory.
type fakeClearance struct{}

func (fakeClearance) LabelFor(entry.Type, json.RawMessage) entry.Label {
	return entry.NewLabel(entry.Internal, "trading")
}

func (fakeClearance) Check(subject string, l entry.Label, action string) error {
	if subject == "mallory" {
		return fmt.Errorf("%s is not cleared for %s", subject, l)
	}
	return nil
}

// cluster is a loopback cluster of real nodes.
type cluster struct {
	t       testing.TB
	alertMu sync.Mutex
	alerts  []monitor.Alert
	cfgs    []Config
	nodes   []*Node
	mons    []*fakeMonitor
	noSync  bool
	started []bool
	options func(Options) Options // replaces the fakes when set
}

// testLogger logs to stderr when BASTION_TEST_LOG is set (to "debug" for
// Raft's detail), and is silent otherwise.
func testLogger() *slog.Logger {
	switch os.Getenv("BASTION_TEST_LOG") {
	case "":
		return nil
	case "debug":
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, nil))
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// configureCluster writes the PKI and the configuration of size nodes.
func configureCluster(t testing.TB, size int, noSync bool, tune func(*Config)) *cluster {
	t.Helper()
	dir := t.TempDir()
	ids := make([]string, size)
	var peers []Peer
	for i := range ids {
		ids[i] = fmt.Sprintf("node-%d", i+1)
		peers = append(peers, Peer{ID: ids[i], RaftAddr: freeAddr(t), GatewayAddr: fmt.Sprintf("https://gw-%d.test", i+1)})
	}
	pki := filepath.Join(dir, "pki")
	if err := GeneratePKI(pki, ids, []string{"127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, noSync: noSync, nodes: make([]*Node, size), started: make([]bool, size)}
	for i, id := range ids {
		cfg := Config{NodeID: id, DataDir: filepath.Join(dir, id), RaftBind: peers[i].RaftAddr, Peers: peers,
			TLS: TLSFiles{CACert: filepath.Join(pki, peertls.CACertFile),
				Cert: filepath.Join(pki, peertls.NodeCertFile(id)), Key: filepath.Join(pki, peertls.NodeKeyFile(id))},
			Raft: RaftTuning{HeartbeatTimeout: Duration(time.Second), ElectionTimeout: Duration(time.Second),
				LeaderLeaseTimeout: Duration(500 * time.Millisecond), CommitTimeout: Duration(5 * time.Millisecond)},
		}
		if tune != nil {
			tune(&cfg)
		}
		c.cfgs = append(c.cfgs, cfg)
		c.mons = append(c.mons, &fakeMonitor{seen: map[string]bool{}})
	}
	t.Cleanup(c.shutdown)
	return c
}

// newCluster configures and starts size nodes with fake policies; tune
// may adjust each configuration first.
func newCluster(t testing.TB, size int, noSync bool, tune func(*Config)) *cluster {
	t.Helper()
	c := configureCluster(t, size, noSync, tune)
	for i := range c.cfgs {
		c.start(i)
	}
	return c
}

// newClusterDeferred configures size nodes and starts none.
func newClusterDeferred(t testing.TB, size int) *cluster {
	return configureCluster(t, size, true, nil)
}

func (c *cluster) start(i int) {
	c.t.Helper()
	opts := Options{Monitor: c.mons[i], Labels: fakeClearance{},
		Clearance: fakeClearance{}, OnAlert: c.alert, NoSync: c.noSync, Logger: testLogger()}
	if c.options != nil {
		opts = c.options(opts)
	}
	n, err := New(c.cfgs[i], opts)
	if err != nil {
		c.t.Fatalf("start %s: %v", c.cfgs[i].NodeID, err)
	}
	c.nodes[i], c.started[i] = n, true
}

func (c *cluster) alert(a []monitor.Alert) {
	c.alertMu.Lock()
	defer c.alertMu.Unlock()
	c.alerts = append(c.alerts, a...)
}

func (c *cluster) stop(i int) {
	c.t.Helper()
	if err := c.nodes[i].Shutdown(); err != nil {
		c.t.Errorf("shutdown %s: %v", c.cfgs[i].NodeID, err)
	}
	c.started[i] = false
}

func (c *cluster) shutdown() {
	for i := range c.nodes {
		if c.started[i] {
			c.stop(i)
		}
	}
}

// leader waits until one running node leads with its monitor rebuilt.
func (c *cluster) leader() (int, *Node) {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for i, n := range c.nodes {
			if c.started[i] {
				if ready, _, _ := n.progress.get(); ready && n.IsLeader() {
					return i, n
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.t.Fatal("no leader elected within 30s")
	return 0, nil
}

// converge waits until every running node has applied size entries and
// returns their statuses.
func (c *cluster) converge(size uint64) []Status {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var out []Status
		for i, n := range c.nodes {
			if !c.started[i] {
				continue
			}
			if n.fsm.LedgerSize() < size {
				break
			}
			s, err := n.Status()
			if err != nil {
				c.t.Fatal(err)
			}
			out = append(out, s)
		}
		if len(out) == c.running() {
			return out
		}
		if time.Now().After(deadline) {
			var sizes []string
			for i, n := range c.nodes {
				if c.started[i] {
					sizes = append(sizes, fmt.Sprintf("%s: size %d, %s, last index %d, applied %d",
						c.cfgs[i].NodeID, n.fsm.LedgerSize(), n.raft.State(), n.raft.LastIndex(), n.raft.AppliedIndex()))
				}
			}
			c.t.Fatalf("nodes did not reach ledger size %d within 30s: %s", size, strings.Join(sizes, "; "))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (c *cluster) running() int {
	k := 0
	for _, s := range c.started {
		if s {
			k++
		}
	}
	return k
}

func order(id, orderID, symbol string) intake.Order {
	return intake.Order{ID: id, OrderID: orderID, Event: entry.OrderNew, Symbol: symbol, Side: entry.Buy,
		Quantity: 100, Price: decimal.RequireFromString("187.25"), Trader: "trader-7",
		Account: "ACC-0042", Source: "api"}
}

func submit(t testing.TB, n *Node, actor string, orders ...intake.Order) []intake.Receipt {
	t.Helper()
	rs, err := n.SubmitOrders(context.Background(), actor, orders)
	if err != nil {
		t.Fatalf("SubmitOrders: %v", err)
	}
	if len(rs) != len(orders) {
		t.Fatalf("got %d receipts for %d orders", len(rs), len(orders))
	}
	return rs
}
