package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"bastion/high-side/clearance"
	"bastion/high-side/intake"
	"bastion/high-side/ledger"
	"bastion/high-side/ledger/ledgertest"
	"bastion/high-side/records"
	"bastion/shared/entry"
)

// errInternal stands for a node's refusal of a write on a follower; its
// text holds internal addresses that must never reach the client.
var errInternal = errors.New("raft apply: not the leader; peer 10.0.0.7:7001")

// clusterFake is one node of a cluster: every write fails with
// errInternal unless it leads. leaderID and leaderGW name the leader.
type clusterFake struct {
	*fakeSubmitter
	leads              bool
	leaderID, leaderGW string
}

func newClusterFake(leads bool, id, gw string) *clusterFake {
	f := &clusterFake{fakeSubmitter: newFake(), leads: leads, leaderID: id, leaderGW: gw}
	f.fail = true
	return f
}

func (f *clusterFake) IsLeader() bool               { return f.leads }
func (f *clusterFake) Leader() (id, gateway string) { return f.leaderID, f.leaderGW }

func (f *clusterFake) RecordCeremony(context.Context, string, []entry.Ceremony) ([]intake.Receipt, error) {
	return nil, errInternal
}

func (f *clusterFake) PushRulePack(context.Context, string, []byte) (intake.Receipt, error) {
	return intake.Receipt{}, errInternal
}

func (f *clusterFake) RulePackRefused(error) bool { return false }

func (f *clusterFake) Disclose(context.Context, string, uint64, string) ([]byte, intake.Receipt, error) {
	return nil, intake.Receipt{}, errInternal
}

func (f *clusterFake) AmendOrder(context.Context, string, uint64, intake.Order, string) (intake.Receipt, error) {
	return intake.Receipt{}, errInternal
}

func (f *clusterFake) RecordHistory(context.Context, string, uint64) ([]records.Version, error) {
	return nil, errInternal
}

func (f *clusterFake) RunDisposal(context.Context, string) (*records.Plan, []intake.Receipt, error) {
	return nil, nil, errInternal
}

// writeRoutes are the routes that write to the ledger, each with a
// request body it accepts, and the 503 message of a failure on a leader.
var writeRoutes = []struct{ path, body, failed string }{
	{"/v1/orders", goodOrder, "submission failed; resend with the same ids"},
	{"/v1/payments", `{"id":"p1","kind":"transfer","amount":"1","currency":"USD","from":"A","to":"B"}`,
		"submission failed; resend with the same ids"},
	{"/v1/ceremony", goodTranscript, "submission failed; resend with the same ids"},
	{"/v1/rulepack", "signed pack", "rule pack not recorded; push it again"},
	{"/v1/disclosures", `{"index":4,"field":"account"}`, "disclosure failed"},
	{"/v1/records/3/amendments", `{"order":` + goodOrder + `,"reason":"qty"}`, "amendment failed"},
	{"/v1/disposals", "", "disposal failed"},
}

// TestFollowerNamesLeader: every write sent to a node that does not lead
// is refused with 503 naming the leader, the way README promises, and
// with nothing of the internal cause; on the leader a failure keeps its
// route's message.
func TestFollowerNamesLeader(t *testing.T) {
	nodes := []struct {
		name string
		sub  *clusterFake
		want func(failed string) string
	}{
		{"follower", newClusterFake(false, "node-2", "https://10.0.0.2:8443"),
			func(string) string { return "not the leader: the leader is node-2 at https://10.0.0.2:8443" }},
		{"no leader", newClusterFake(false, "", ""),
			func(string) string { return "not the leader, and no leader is known; try again once one is elected" }},
		{"leader", newClusterFake(true, "node-1", "https://10.0.0.1:8443"),
			func(failed string) string { return failed }},
	}
	for _, n := range nodes {
		h := NewHandler(n.sub)
		for _, rt := range writeRoutes {
			t.Run(n.name+rt.path, func(t *testing.T) {
				code, out := do(t, h, "POST", rt.path, "cco", rt.body)
				if want := n.want(rt.failed); code != 503 || out["error"] != want || len(out) != 1 {
					t.Errorf("got %d %v, want 503 with only error %q", code, out, want)
				}
			})
		}
	}
}

// TestHistoryOnFollower: reading versions is served by any node, so a
// follower's failure to read is not blamed on leadership.
func TestHistoryOnFollower(t *testing.T) {
	h := NewHandler(newClusterFake(false, "node-2", "https://10.0.0.2:8443"))
	if code, out := do(t, h, "GET", "/v1/records/3/versions", "cco", ""); code != 503 || out["error"] != "history unavailable" {
		t.Errorf("got %d %v, want 503 history unavailable", code, out)
	}
}

// ledgerFake answers from a real ledger of three entries: an index at or
// beyond its size fails as the ledger fails.
type ledgerFake struct {
	*fakeSubmitter
	l *ledger.Ledger
}

func newLedgerFake(t *testing.T) *ledgerFake {
	t.Helper()
	l, db := ledgertest.Open(t)
	var recs []ledger.Record
	for i := range 3 {
		id := fmt.Sprintf("o-%d", i)
		recs = append(recs, ledger.Record{Entry: []byte(`{"id":"` + id + `"}`), ID: id})
	}
	ledgertest.Append(t, l, db, recs)
	return &ledgerFake{fakeSubmitter: newFake(), l: l}
}

func (f *ledgerFake) entry(index uint64) error {
	_, err := f.l.Entry(index)
	if err != nil {
		return fmt.Errorf("failed to read record %d: %w", index, err)
	}
	return nil
}

func (f *ledgerFake) Disclose(_ context.Context, _ string, index uint64, field string) ([]byte, intake.Receipt, error) {
	if err := f.entry(index); err != nil {
		return nil, intake.Receipt{}, err
	}
	// Within the ledger: a proof for a tree the ledger has not reached.
	_, err := f.l.InclusionProof(index, 100)
	return nil, intake.Receipt{}, err
}

func (f *ledgerFake) AmendOrder(_ context.Context, _ string, record uint64, _ intake.Order, _ string) (intake.Receipt, error) {
	return intake.Receipt{}, f.entry(record)
}

func (f *ledgerFake) RecordHistory(_ context.Context, _ string, record uint64) ([]records.Version, error) {
	return nil, f.entry(record)
}

// ledgerHolderFake adds the optional LedgerHolder.
type ledgerHolderFake struct{ *ledgerFake }

func (f ledgerHolderFake) Ledger() *ledger.Ledger { return f.l }

// TestIndexBeyondLedger: a request naming an index beyond the ledger is a
// 404 that says so, with the ledger's size when the Submitter holds the
// ledger; a beyond-size failure that is not about the index stays a 503.
func TestIndexBeyondLedger(t *testing.T) {
	lf := newLedgerFake(t)
	tests := []struct {
		name         string
		sub          intake.Submitter
		method, path string
		body         string
		code         int
		want         string
	}{
		{"disclose", ledgerHolderFake{lf}, "POST", "/v1/disclosures", `{"index":99999999,"field":"account"}`,
			404, "index 99999999 is beyond the ledger size 3"},
		{"disclose at size", ledgerHolderFake{lf}, "POST", "/v1/disclosures", `{"index":3,"field":"account"}`,
			404, "index 3 is beyond the ledger size 3"},
		{"disclose proof beyond", ledgerHolderFake{lf}, "POST", "/v1/disclosures", `{"index":2,"field":"account"}`,
			503, "disclosure failed"},
		{"versions", ledgerHolderFake{lf}, "GET", "/v1/records/99999999999/versions", "",
			404, "index 99999999999 is beyond the ledger size 3"},
		{"amend", ledgerHolderFake{lf}, "POST", "/v1/records/7/amendments", `{"order":` + goodOrder + `,"reason":"qty"}`,
			404, "index 7 is beyond the ledger size 3"},
		{"versions without the ledger", lf, "GET", "/v1/records/99999999999/versions", "",
			404, "index 99999999999 is beyond the ledger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := do(t, NewHandler(tt.sub), tt.method, tt.path, "cco", tt.body)
			if code != tt.code || out["error"] != tt.want {
				t.Errorf("got %d %v, want %d with error %q", code, out, tt.code, tt.want)
			}
		})
	}
}

// deniedFake refuses every history read the way the clearance registry
// does, and finds every amendment malformed the way a node does.
type deniedFake struct{ *recordsFake }

func (deniedFake) RecordHistory(_ context.Context, actor string, _ uint64) ([]records.Version, error) {
	label := entry.Label{Level: entry.Confidential, Compartments: []string{"mna-deal-7"}}
	return nil, &clearance.Denial{Subject: actor, Label: label, Action: "records", Rule: clearance.ErrBarrier,
		Detail: "barrier desk excludes compartment mna-deal-7"}
}

func (deniedFake) AmendOrder(context.Context, string, uint64, intake.Order, string) (intake.Receipt, error) {
	return intake.Receipt{ID: "amend-3-v2", Error: "account longer than 128 bytes"},
		errors.New("malformed amendment: account longer than 128 bytes")
}

// TestRecordsRefusals: a clearance denial is a 403 that names the actor
// and action but not the label or rule, and a malformed amendment is a
// 422 with its receipt, as a malformed single order is.
func TestRecordsRefusals(t *testing.T) {
	h := NewHandler(deniedFake{&recordsFake{fakeSubmitter: newFake()}})
	code, out := do(t, h, "GET", "/v1/records/3/versions", "mallory", "")
	if want := `actor mallory is not cleared for the "records" action on this entry`; code != 403 || out["error"] != want {
		t.Errorf("versions: got %d %v, want 403 with error %q", code, out, want)
	}
	if s := fmt.Sprint(out); strings.Contains(s, "mna-deal-7") || strings.Contains(s, "barrier") {
		t.Errorf("versions: the refusal %v shows the label or the rule", out)
	}
	code, out = do(t, h, "POST", "/v1/records/3/amendments", "ops", `{"order":`+goodOrder+`,"reason":"qty"}`)
	if code != 422 || out["error"] != "account longer than 128 bytes" || out["id"] != "amend-3-v2" {
		t.Errorf("amend: got %d %v, want 422 with the receipt's error", code, out)
	}
}
