package clearance

import (
	"encoding/json"
	"strings"
	"testing"

	"bastion/shared/entry"
)

func body(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := entry.NewBody(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLabelFor(t *testing.T) {
	tests := []struct {
		typ  entry.Type
		body any
		want string
	}{
		{entry.TypeOrder, entry.Order{OrderID: "o1"}, "confidential/trading"},
		{entry.TypePayment, entry.Payment{PaymentID: "p1"}, "confidential/payments"},
		{entry.TypeApproval, entry.Approval{Subject: "o1", Action: "override"}, "confidential/surveillance"},
		{entry.TypeLogin, entry.Login{Subject: "trader-1"}, "internal"},
		{entry.TypeConfig, entry.Config{Key: "monitor.rule-pack"}, "internal"},
		{entry.TypeConfig, entry.Config{Key: "hsm.pool"}, "secret/keys"},
		{entry.TypeConfig, entry.Config{Key: "keys.checkpoint"}, "secret/keys"},
		{entry.TypeCeremony, entry.Ceremony{Step: "share"}, "secret/keys"},
		{entry.Type("mystery"), struct{}{}, "secret"},
	}
	for _, tt := range tests {
		if got := LabelFor(tt.typ, body(t, tt.body)).String(); got != tt.want {
			t.Errorf("%s %+v: got %s, want %s", tt.typ, tt.body, got, tt.want)
		}
	}
	if got := LabelFor(entry.TypeConfig, json.RawMessage("{broken")).String(); got != "secret" {
		t.Errorf("unreadable config body: got %s, want secret (fail closed)", got)
	}
}

// TestDefaultRelease checks the default release policy: orders, payments
// and decisions go to the regulator in full; ceremony, key and secret
// entries cross as hashes only.
func TestDefaultRelease(t *testing.T) {
	f := DefaultPolicy().ReleaseFilter()
	tests := []struct {
		label string
		want  bool
	}{
		{"confidential/trading", true},
		{"confidential/payments", true},
		{"confidential/surveillance", true},
		{"confidential/payments,surveillance,trading", true},
		{"internal", true},
		{"public", true},
		{"secret/keys", false},
		{"secret", false},
		{"confidential/keys", false},
		{"confidential/research", false},
	}
	for _, tt := range tests {
		if got := f.Releasable(lbl(t, tt.label)); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.label, got, tt.want)
		}
	}
	if f.Releasable(entry.Label{Level: entry.Level(9)}) {
		t.Error("unknown level released")
	}
	if f.Releasable(entry.Label{Level: entry.Internal, Compartments: []string{"trading", "payments"}}) {
		t.Error("malformed (unsorted) label released")
	}
	// Every type's default label is released except the ceremony's.
	p := DefaultPolicy()
	for typ, l := range p.Labels {
		if got, want := f.Releasable(l), typ != entry.TypeCeremony; got != want {
			t.Errorf("%s (%s): releasable %v, want %v", typ, l, got, want)
		}
	}
}

func TestParsePolicyErrors(t *testing.T) {
	base := string(defaultPolicy)
	tests := []struct{ name, doc, want string }{
		{"unknown key", "maximum = \"secret\"\n" + base, `policy.toml:1: unknown key "maximum"`},
		{"missing type", strings.Replace(base, "login = \"internal\"\n", "", 1), "labels.login: missing"},
		{"unknown type", strings.Replace(base, "[labels]\n", "[labels]\nfax = \"public\"\n", 1), "labels.fax: unknown entry type"},
		{"weak fallback", strings.Replace(base, `fallback = "secret"`, `fallback = "internal"`, 1), "fallback: must be secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy([]byte(tt.doc), "policy.toml")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func FuzzParsePolicy(f *testing.F) {
	f.Add(defaultPolicy)
	f.Add([]byte("fallback = \"secret\"\n[labels]\norder = \"x\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePolicy(b, "fuzz.toml")
		if err != nil {
			return
		}
		if p.Fallback.Level < entry.Secret {
			t.Fatalf("accepted weak fallback %s", p.Fallback)
		}
		for _, typ := range knownTypes {
			_ = p.LabelFor(typ, json.RawMessage(b))
		}
	})
}
