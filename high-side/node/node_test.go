package node

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"bastion/high-side/intake"
	"bastion/high-side/monitor"
	"bastion/high-side/node/fsm"
	"bastion/high-side/node/peertls"
	"bastion/shared/entry"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestClusterReplicatesSubmissions(t *testing.T) {
	c := newCluster(t, 3, true, nil)
	li, leader := c.leader()

	// Concurrent submissions through the leader land once each.
	var wg sync.WaitGroup
	got := make([][]intake.Receipt, 8)
	for g := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var orders []intake.Order
			for k := 0; k < 5; k++ {
				orders = append(orders, order(fmt.Sprintf("o-%d-%d", g, k), fmt.Sprintf("ORD-%d-%d", g, k), "AAPL"))
			}
			got[g] = submit(t, leader, "alice", orders...)
		}()
	}
	wg.Wait()
	seen := map[uint64]string{}
	for _, rs := range got {
		for _, r := range rs {
			if r.Error != "" || r.Outcome != entry.Accept || r.Duplicate {
				t.Errorf("receipt %+v, want a fresh accept", r)
			}
			if prev, dup := seen[r.Index]; dup {
				t.Errorf("index %d given to %s and %s", r.Index, prev, r.ID)
			}
			seen[r.Index] = r.ID
		}
	}
	for i := uint64(0); i < 40; i++ {
		if _, ok := seen[i]; !ok {
			t.Errorf("no receipt has index %d", i)
		}
	}

	// Every node holds the same ledger.
	statuses := c.converge(40)
	for _, s := range statuses[1:] {
		if s.Root != statuses[0].Root || s.LedgerSize != 40 {
			t.Errorf("%s: size %d root %v, want 40 and %v", s.NodeID, s.LedgerSize, s.Root, statuses[0].Root)
		}
	}

	// A follower refuses writes and names the leader's gateway.
	f := c.nodes[(li+1)%3]
	_, err := f.SubmitOrders(context.Background(), "alice", []intake.Order{order("x", "X", "AAPL")})
	var nle *NotLeaderError
	if !errors.As(err, &nle) || nle.Leader != c.cfgs[li].Peers[li].GatewayAddr || !errors.Is(err, ErrNotLeader) {
		t.Errorf("follower SubmitOrders error %v, want NotLeaderError naming %s", err, c.cfgs[li].Peers[li].GatewayAddr)
	}
	if r, ok, err := f.Receipt(context.Background(), "o-3-2"); err != nil || !ok || r.Index != indexOf(got, "o-3-2") {
		t.Errorf("follower Receipt = %+v, %v, %v; want index %d", r, ok, err, indexOf(got, "o-3-2"))
	}
}

func indexOf(rss [][]intake.Receipt, id string) uint64 {
	for _, rs := range rss {
		for _, r := range rs {
			if r.ID == id {
				return r.Index
			}
		}
	}
	return 1 << 63
}

func TestSubmitOutcomes(t *testing.T) {
	c := newCluster(t, 1, true, nil)
	_, n := c.leader()
	first := submit(t, n, "alice", order("a", "A", "AAPL"))[0]

	noAccount := order("bad-1", "B1", "AAPL")
	noAccount.Account = ""
	badSymbol := order("bad-2", "B2", "aapl")
	tests := []struct {
		name  string
		actor string
		in    intake.Order
		want  intake.Receipt
	}{
		{"accepted", "alice", order("b", "B", "MSFT"), intake.Receipt{ID: "b", Index: 1, Outcome: entry.Accept}},
		{"monitor rejects", "alice", order("c", "C", "BAD"), intake.Receipt{ID: "c", Index: 2, Outcome: entry.Reject,
			Reasons: []string{entry.ReasonRestrictedList},
			Checks:  []entry.Check{{Rule: "restricted", Result: entry.Fail, Reason: entry.ReasonRestrictedList}}}},
		{"monitor saw earlier order", "alice", order("a-again", "A", "AAPL"), intake.Receipt{ID: "a-again", Index: 3,
			Outcome: entry.Review, Reasons: []string{entry.ReasonDuplicateOrder}}},
		{"not cleared", "mallory", order("d", "D", "AAPL"), intake.Receipt{ID: "d", Index: 4, Outcome: entry.Reject,
			Reasons: []string{entry.ReasonClearance}, Checks: []entry.Check{{Rule: "clearance", Result: entry.Fail,
				Reason: entry.ReasonClearance, Observed: "mallory is not cleared for internal/trading"}}}},
		{"duplicate id", "alice", order("a", "A", "AAPL"), intake.Receipt{ID: "a", Index: 0, Outcome: entry.Accept, Duplicate: true}},
		{"missing account", "alice", noAccount, intake.Receipt{ID: "bad-1", Error: "missing account"}},
		{"malformed symbol", "alice", badSymbol, intake.Receipt{ID: "bad-2",
			Error: `bad order body: malformed symbol "aapl"`}},
		{"default id", "alice", order("", "E", "AAPL"), intake.Receipt{ID: "E-new", Index: 5, Outcome: entry.Accept}},
	}
	for _, tt := range tests {
		got := submit(t, n, tt.actor, tt.in)[0]
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: receipt (-want +got):\n%s", tt.name, diff)
		}
	}
	// The monitor's alerts on committed entries reach OnAlert.
	other := order("alert-1", "AL1", "AAPL")
	other.Account = "ACC-9"
	submit(t, n, "alice", other)
	want := []monitor.Alert{{TxID: "alert-1", Rule: "account-not-opened"}}
	if diff := cmp.Diff(want, c.alerts); diff != "" {
		t.Errorf("alerts (-want +got):\n%s", diff)
	}
	if first.Index != 0 || n.fsm.LedgerSize() != 7 {
		t.Errorf("first index %d, ledger size %d; want 0 and 7", first.Index, n.fsm.LedgerSize())
	}

	// The recorded entry carries a commitment, never the account number.
	raw, err := n.Ledger().Entry(0)
	if err != nil {
		t.Fatal(err)
	}
	e, err := entry.Parse(raw)
	if err != nil {
		t.Fatalf("recorded entry does not parse: %v", err)
	}
	var body entry.Order
	if err := jsonUnmarshal(e.Body, &body); err != nil || !entry.IsCommitment(body.Account) {
		t.Errorf("recorded account %q, want a commitment", body.Account)
	}
	if e.Label.String() != "internal/trading" || e.Decision == nil || e.Decision.RulePack != "test-1" {
		t.Errorf("recorded label %s decision %+v, want internal/trading and rule pack test-1", e.Label, e.Decision)
	}
}

func TestFailoverKeepsStateAndIdempotency(t *testing.T) {
	c := newCluster(t, 3, true, nil)
	li, leader := c.leader()
	before := submit(t, leader, "alice", order("f-1", "F1", "AAPL"), order("f-2", "F2", "AAPL"))
	c.converge(2)

	// The leader goes; another takes over with the same ledger.
	c.stop(li)
	ni, next := c.leader()
	if ni == li {
		t.Fatal("stopped node still leads")
	}
	again := submit(t, next, "alice", order("f-1", "F1", "AAPL"), order("f-3", "F1", "AAPL"), order("f-4", "F4", "AAPL"))
	want := []intake.Receipt{
		{ID: "f-1", Index: before[0].Index, Outcome: entry.Accept, Duplicate: true},
		{ID: "f-3", Index: 2, Outcome: entry.Review, Reasons: []string{entry.ReasonDuplicateOrder}},
		{ID: "f-4", Index: 3, Outcome: entry.Accept},
	}
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("receipts after failover (-want +got):\n%s", diff)
	}
	if c.mons[ni].count() != 4 {
		t.Errorf("new leader's monitor observed %d entries, want 4", c.mons[ni].count())
	}

	// The old leader comes back as a follower and catches up.
	c.start(li)
	statuses := c.converge(4)
	for _, s := range statuses {
		if s.Root != statuses[0].Root {
			t.Errorf("%s root %v, want %v", s.NodeID, s.Root, statuses[0].Root)
		}
	}
}

func TestSnapshotInstallOnLaggingFollower(t *testing.T) {
	c := newCluster(t, 3, true, func(cfg *Config) {
		cfg.Raft.TrailingLogs = 2
		cfg.Raft.SnapshotThreshold = 1 << 20
	})
	li, leader := c.leader()
	lag := (li + 1) % 3
	submit(t, leader, "alice", order("s-0", "S0", "AAPL"))
	c.converge(1)
	c.stop(lag)

	// Enough separate commands that the compacted log no longer reaches
	// the lagging follower, which then needs the snapshot.
	for i := 1; i <= 10; i++ {
		submit(t, leader, "alice", order(fmt.Sprintf("s-%d", i), fmt.Sprintf("S%d", i), "AAPL"))
	}
	cursor := leader.ExportCursor()
	if err := cursor.Advance(context.Background(), "diode-a", fsm.ExportRecord{Seq: 1, Size: 11, Checkpoint: []byte("note")}); err != nil {
		t.Fatalf("Advance: %v", err)
	}
	if err := leader.Snapshot(); err != nil {
		t.Fatal(err)
	}
	c.start(lag)
	statuses := c.converge(11)
	for _, s := range statuses {
		if s.Root != statuses[0].Root {
			t.Errorf("%s root %v, want %v", s.NodeID, s.Root, statuses[0].Root)
		}
	}
	rec, ok, err := c.nodes[lag].ExportCursor().Last("diode-a")
	if err != nil || !ok || rec.Size != 11 {
		t.Errorf("lagging follower's export cursor %+v, %v, %v; want size 11", rec, ok, err)
	}
}

func TestExportCursorThroughRaft(t *testing.T) {
	c := newCluster(t, 3, true, nil)
	li, leader := c.leader()
	submit(t, leader, "alice", order("e-1", "E1", "AAPL"), order("e-2", "E2", "AAPL"))
	cur := leader.ExportCursor()
	ctx := context.Background()
	if err := cur.Advance(ctx, "diode-a", fsm.ExportRecord{Seq: 1, First: 0, Size: 2, Checkpoint: []byte("cp1")}); err != nil {
		t.Fatalf("Advance: %v", err)
	}
	err := cur.Advance(ctx, "diode-a", fsm.ExportRecord{Seq: 1, First: 0, Size: 2, Checkpoint: []byte("cp1")})
	if !errors.Is(err, fsm.ErrExportOrder) {
		t.Errorf("second Advance of seq 1: error %v, want ErrExportOrder", err)
	}
	err = c.nodes[(li+1)%3].ExportCursor().Advance(ctx, "diode-a", fsm.ExportRecord{Seq: 2, First: 2, Size: 2, Checkpoint: []byte("cp")})
	if !errors.Is(err, ErrNotLeader) {
		t.Errorf("follower Advance error %v, want ErrNotLeader", err)
	}
	c.converge(2)
	for _, n := range c.nodes {
		waitFor(t, func() bool { _, ok, _ := n.ExportCursor().Last("diode-a"); return ok })
		if r, _, _ := n.ExportCursor().Get("diode-a", 1); string(r.Checkpoint) != "cp1" {
			t.Errorf("%s record 1 checkpoint %q, want cp1", n.cfg.NodeID, r.Checkpoint)
		}
	}
}

func TestRecordConfig(t *testing.T) {
	c := newCluster(t, 1, true, nil)
	_, n := c.leader()
	ctx := context.Background()
	r, err := n.RecordConfig(ctx, "alice", "rule-pack", "v2", []byte("pack v2"))
	if err != nil || r.Outcome != entry.Accept || r.Index != 0 {
		t.Fatalf("RecordConfig = %+v, %v; want accept at index 0", r, err)
	}
	r, err = n.RecordConfig(ctx, "alice", "rule-pack", "v2", []byte("other"))
	if err != nil || !r.Duplicate || r.Index != 0 {
		t.Errorf("RecordConfig again = %+v, %v; want duplicate of index 0", r, err)
	}
	r, err = n.RecordConfig(ctx, "mallory", "rule-pack", "v3", []byte("evil"))
	if err != nil || r.Outcome != entry.Reject || r.Index != 1 {
		t.Errorf("RecordConfig by mallory = %+v, %v; want a recorded reject", r, err)
	}
	if v, ok, err := n.ConfigValue("rule-pack"); err != nil || !ok || string(v) != "pack v2" {
		t.Errorf("ConfigValue = %q, %v, %v; want \"pack v2\"", v, ok, err)
	}
}

func TestMalformedCommandRejectedByApply(t *testing.T) {
	c := newCluster(t, 3, true, nil)
	_, leader := c.leader()
	for _, cmd := range [][]byte{nil, {0xff}, {1, 1, 0xff, 0xff}, []byte("{\"json\":true}")} {
		_, err := leader.apply(cmd)
		if !errors.Is(err, fsm.ErrMalformedCommand) {
			t.Errorf("apply(%x) error %v, want ErrMalformedCommand", cmd, err)
		}
	}
	r := submit(t, leader, "alice", order("after", "AFTER", "AAPL"))[0]
	if r.Index != 0 || r.Error != "" {
		t.Errorf("submission after malformed commands: %+v, want index 0", r)
	}
	c.converge(1)
}

// TestClassicalPeerRefused dials a running node's Raft port with a member's
// own certificate but only classical key exchange groups.
func TestClassicalPeerRefused(t *testing.T) {
	c := newCluster(t, 1, true, nil)
	c.leader()
	cfg := c.cfgs[0]
	creds, err := peertls.LoadCredentials(cfg.TLS.CACert, cfg.TLS.Cert, cfg.TLS.Key)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		curves []tls.CurveID
		ok     bool
	}{
		{"hybrid", peertls.CurvePreferences, true},
		{"classical only", []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384}, false},
	} {
		tc := creds.ClientConfig(cfg.NodeID)
		tc.CurvePreferences = tt.curves
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", cfg.RaftBind, tc)
		if got := err == nil; got != tt.ok {
			t.Errorf("%s: handshake succeeded = %v (%v), want %v", tt.name, got, err, tt.ok)
		}
		if conn != nil {
			conn.Close()
		}
	}
}

func TestNewRejectsMissingOptions(t *testing.T) {
	c := newCluster(t, 1, true, nil)
	cfg := c.cfgs[0]
	cfg.DataDir = filepath.Join(t.TempDir(), "other")
	if _, err := New(cfg, Options{}); err == nil {
		t.Error("New without monitor and clearance succeeded, want error")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 30s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A request larger than one command is split into several, all in flight
// at once, and still commits in input order: the same input gets the same
// ledger on every run.
func TestLargeRequestCommitsInOrder(t *testing.T) {
	c := newCluster(t, 3, true, func(cfg *Config) {
		cfg.Batch = BatchTuning{MaxEntries: 3, MaxInFlight: 4, MaxDelay: Duration(time.Millisecond)}
	})
	_, n := c.leader()
	for round := range 5 {
		var orders []intake.Order
		for i := range 40 {
			id := fmt.Sprintf("r%d-%02d", round, i)
			orders = append(orders, order(id, id, "AAPL"))
		}
		start := n.fsm.LedgerSize()
		for i, r := range submit(t, n, "alice", orders...) {
			if want := start + uint64(i); r.Index != want {
				t.Fatalf("round %d: order %d (%s) at index %d, want %d", round, i, r.ID, r.Index, want)
			}
		}
	}
}
