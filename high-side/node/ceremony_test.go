package node

import (
	"encoding/json"
	"testing"

	"bastion/high-side/clearance"
	"bastion/high-side/intake"
	"bastion/high-side/monitor"
	"bastion/shared/entry"

	"github.com/google/go-cmp/cmp"
)

const ceremonyRegistry = `
[action.ceremony]
roles = ["compliance"]

[[subject]]
id = "cco"
clearance = "secret/keys"
roles = ["compliance"]

[[subject]]
id = "trader-1"
clearance = "confidential/trading"
roles = ["trader"]
`

// ceremonyCluster starts a one-node cluster with the real labelling policy
// and a registry in which only "cco" may record a ceremony.
func ceremonyCluster(t *testing.T) *Node {
	t.Helper()
	reg, err := clearance.ParseRegistry([]byte(ceremonyRegistry), "registry.toml")
	if err != nil {
		t.Fatal(err)
	}
	c := newClusterDeferred(t, 1)
	c.options = func(o Options) Options {
		mon, err := monitor.New(monitor.DefaultConfig(), nil)
		if err != nil {
			t.Fatal(err)
		}
		o.Monitor, o.Labels, o.Clearance = mon, clearance.DefaultPolicy(), reg
		return o
	}
	c.start(0)
	_, n := c.leader()
	return n
}

var testSteps = []entry.Ceremony{
	{Step: "init", KeyID: "k1", Details: "ceremony 00ff"},
	{Step: "kek-import", KeyID: "k1", Details: "ceremony 00ff token bastion-1 kcv abcdef"},
	{Step: "kek-import", KeyID: "k1", Details: "ceremony 00ff token bastion-2 kcv abcdef"},
}

func TestRecordCeremony(t *testing.T) {
	n := ceremonyCluster(t)
	rs, err := n.RecordCeremony(t.Context(), "cco", testSteps)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != len(testSteps) {
		t.Fatalf("got %d receipts, want %d", len(rs), len(testSteps))
	}
	for i, r := range rs {
		if r.Outcome != entry.Accept || r.Duplicate || r.Error != "" || r.ID != CeremonyStepID(testSteps[i]) {
			t.Errorf("step %d: receipt %+v, want a fresh accept with id %s", i, r, CeremonyStepID(testSteps[i]))
		}
		raw, err := n.Ledger().Entry(r.Index)
		if err != nil {
			t.Fatal(err)
		}
		e, err := entry.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		var body entry.Ceremony
		if err := json.Unmarshal(e.Body, &body); err != nil {
			t.Fatal(err)
		}
		if e.Type != entry.TypeCeremony || e.Label.String() != "secret/keys" || body != testSteps[i] {
			t.Errorf("step %d recorded as %s %s %+v, want ceremony secret/keys %+v", i, e.Type, e.Label, body, testSteps[i])
		}
	}
	size := ledgerSize(t, n)
	again, err := n.RecordCeremony(t.Context(), "cco", testSteps)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range again {
		if !r.Duplicate || r.Index != rs[i].Index {
			t.Errorf("resent step %d: %+v, want duplicate of index %d", i, r, rs[i].Index)
		}
	}
	if got := ledgerSize(t, n); got != size {
		t.Errorf("ledger size after resend %d, want %d", got, size)
	}
}

func TestRecordCeremonyRefused(t *testing.T) {
	n := ceremonyCluster(t)
	tests := []struct {
		name  string
		actor string
		step  entry.Ceremony
		want  intake.Receipt
	}{
		{"no clearance", "trader-1", testSteps[0], intake.Receipt{ID: CeremonyStepID(testSteps[0]),
			Outcome: entry.Reject, Reasons: []string{entry.ReasonClearance}}},
		{"malformed step", "cco", entry.Ceremony{Step: "Bad Step", KeyID: "k1"},
			intake.Receipt{ID: CeremonyStepID(entry.Ceremony{Step: "Bad Step", KeyID: "k1"}),
				Error: "bad ceremony body: malformed ceremony fields"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := n.RecordCeremony(t.Context(), tt.actor, []entry.Ceremony{tt.step})
			if err != nil {
				t.Fatal(err)
			}
			got := rs[0]
			got.Index, got.Checks = 0, nil
			if !cmp.Equal(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func ledgerSize(t *testing.T, n *Node) uint64 {
	t.Helper()
	size, err := n.Ledger().Size()
	if err != nil {
		t.Fatal(err)
	}
	return size
}
