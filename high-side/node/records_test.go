package node

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"bastion/high-side/intake"
	"bastion/high-side/node/fsm"
	"bastion/high-side/records"
	"bastion/shared/checkpoint"
	"bastion/shared/disclosure"
	"bastion/shared/entry"
	"bastion/shared/hybrid"
)

func recordsOrder(id string, qty int64) intake.Order {
	return intake.Order{ID: id, OrderID: "ord-7", Event: entry.OrderNew, Symbol: "AAPL", Side: entry.Buy,
		Quantity: qty, Price: decimal.RequireFromString("101.5"), Trader: "alice", Account: "ACC-0042", Source: "api"}
}

// submitThree records three orders and returns their indexes.
func submitThree(t *testing.T, n *Node) []uint64 {
	t.Helper()
	rs, err := n.SubmitOrders(t.Context(), "alice",
		[]intake.Order{recordsOrder("r-1", 10), recordsOrder("r-2", 20), recordsOrder("r-3", 30)})
	if err != nil {
		t.Fatal(err)
	}
	var out []uint64
	for _, r := range rs {
		out = append(out, r.Index)
	}
	return out
}

func openingsOf(t *testing.T, n *Node, i uint64) []byte {
	t.Helper()
	b, err := n.Ledger().Openings(i)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDisposeOnEveryNode(t *testing.T) {
	c := newCluster(t, 3, true, nil)
	_, n := c.leader()
	idx := submitThree(t, n)
	rootBefore, err := n.Ledger().Root(3)
	if err != nil {
		t.Fatal(err)
	}
	d := entry.Disposal{Class: "order-ticket", Rule: "order-ticket", Retain: "3y",
		Schedule: records.DefaultSchedule().Digest, Cutoff: 1, Indexes: []uint64{idx[0], idx[2]},
		Fields: []string{entry.FieldAccount}, Job: "test"}

	// A refused actor leaves a recorded rejection and every value.
	r, err := n.Dispose(t.Context(), "mallory", d)
	if err != nil || r.Outcome != entry.Reject {
		t.Fatalf("mallory: got %+v, %v; want a recorded rejection", r, err)
	}
	if len(openingsOf(t, n, idx[0])) == 0 {
		t.Fatal("a refused disposal destroyed a value")
	}

	r, err = n.Dispose(t.Context(), "records-officer", d)
	if err != nil || r.Outcome != entry.Accept || r.Index != 4 {
		t.Fatalf("got %+v, %v; want accepted at index 4", r, err)
	}
	again, err := n.Dispose(t.Context(), "records-officer", d)
	if err != nil || !again.Duplicate || again.Index != 4 {
		t.Fatalf("resent: got %+v, %v; want a duplicate of index 4", again, err)
	}
	c.converge(5)
	for i, node := range c.nodes {
		for k, want := range []bool{false, true, false} {
			if got := len(openingsOf(t, node, idx[k])) > 0; got != want {
				t.Fatalf("node %d entry %d: openings present %v, want %v", i, idx[k], got, want)
			}
		}
		if root, _ := node.Ledger().Root(3); root != rootBefore {
			t.Fatalf("node %d root of size 3: got %s, want %s", i, root, rootBefore)
		}
	}
}

func TestAmendAndDisclose(t *testing.T) {
	c := newCluster(t, 1, true, nil)
	_, n := c.leader()
	idx := submitThree(t, n)
	if _, err := n.AmendOrder(t.Context(), "ops-1", idx[1], recordsOrder("", 25), "wrong quantity"); err != nil {
		t.Fatal(err)
	}
	if _, err := n.AmendOrder(t.Context(), "ops-2", idx[1], recordsOrder("", 22), "client confirmed"); err != nil {
		t.Fatal(err)
	}
	h, err := n.History(idx[1])
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range h {
		got = append(got, v.Actor)
	}
	if strings.Join(got, ",") != "alice,ops-1,ops-2" {
		t.Fatalf("version authors %v, want alice, ops-1, ops-2", got)
	}

	s, _ := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA65P256, nil)
	exportHead(t, n, s)
	req := DisclosureRequest{Index: h[2].Index, Field: entry.FieldAccount, Link: "link-1", Signer: s}
	if _, r, err := n.Disclose(t.Context(), "mallory", req); err == nil || r.Outcome != entry.Reject {
		t.Fatalf("mallory: got %+v, %v; want a recorded refusal", r, err)
	}
	b, r, err := n.Disclose(t.Context(), "cco", req)
	if err != nil || r.Outcome != entry.Accept {
		t.Fatalf("Disclose: %+v, %v", r, err)
	}
	d, err := disclosure.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := disclosure.Verify(d, disclosure.Key{Name: "high-side", Public: s.Public()}); err != nil || d.Value != "ACC-0042" {
		t.Fatalf("Verify: %v, value %q; want ACC-0042", err, d.Value)
	}
	if _, _, err := n.Disclose(t.Context(), "cco", DisclosureRequest{Index: 0, Field: "account", Link: "none", Signer: s}); !errors.Is(err, ErrNoCheckpoint) {
		t.Fatalf("unknown link: got %v, want %v", err, ErrNoCheckpoint)
	}
}

// exportHead signs the ledger's head and records it as link-1's export.
func exportHead(t *testing.T, n *Node, s *hybrid.SoftwareSigner) {
	t.Helper()
	size, root, err := n.Ledger().Head()
	if err != nil {
		t.Fatal(err)
	}
	nk, _ := checkpoint.HybridKey("high-side", string(s.Public().Suite()), s.Public().Bytes())
	note, err := checkpoint.Sign(checkpoint.Checkpoint{Origin: checkpoint.OriginFor("link-1"), Size: size, Root: root}, nk, s)
	if err != nil {
		t.Fatal(err)
	}
	cmd := &fsm.AdvanceExport{Link: "link-1", Record: fsm.ExportRecord{Seq: 1, First: 0, Size: size, Checkpoint: note}}
	if _, err := n.apply(fsm.Encode(cmd)); err != nil {
		t.Fatal(err)
	}
}
