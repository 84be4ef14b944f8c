package node

import (
	"errors"
	"strings"
	"testing"

	"bastion/high-side/monitor"
	"bastion/high-side/node/fsm"
	"bastion/shared/entry"
	"bastion/shared/hybrid"

	"github.com/shopspring/decimal"
)

// testPack returns the built-in pack under version with one custom rule
// that flags orders of more than 50 shares.
func testPack(version string) []byte {
	return []byte(strings.Replace(string(builtinPack()), `version = "builtin-2025.1"`, `version = "`+version+`"

[[custom]]
id = "over_fifty"
description = "orders above 50 shares"
applies_to = "order"
expr = 'order.qty > 50'
action = "alert"
reason = "ORDER_SIZE"`, 1))
}

// builtinPack is the monitor's built-in pack as TOML.
func builtinPack() []byte {
	return monitor.DefaultPackTOML()
}

func newPackSigner(t testing.TB) *hybrid.SoftwareSigner {
	t.Helper()
	s, err := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA65P256, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func signPack(t testing.TB, s hybrid.Signer, pack []byte) []byte {
	t.Helper()
	b, err := SignPack(pack, "rulepack", s)
	if err != nil {
		t.Fatalf("SignPack: %v", err)
	}
	return b
}

// packCluster starts three nodes, each with the real monitor on the
// built-in pack and key as the rule-pack key.
func packCluster(t *testing.T, key *hybrid.PublicKey) *cluster {
	c := configureCluster(t, 3, true, nil)
	c.options = func(o Options) Options {
		mon, err := monitor.New(monitor.DefaultConfig(), nil)
		if err != nil {
			t.Fatal(err)
		}
		o.Monitor, o.PackKey = mon, key
		return o
	}
	for i := range c.cfgs {
		c.start(i)
	}
	return c
}

// decisionAt returns the decision recorded at index.
func decisionAt(t *testing.T, n *Node, index uint64) entry.Decision {
	t.Helper()
	raw, err := n.Ledger().Entry(index)
	if err != nil {
		t.Fatal(err)
	}
	e, err := entry.Parse(raw)
	if err != nil || e.Decision == nil {
		t.Fatalf("entry %d: %v (decision %v)", index, err, e)
	}
	return *e.Decision
}

func TestRulePackSwitchesEveryNodeAtOneIndex(t *testing.T) {
	signer := newPackSigner(t)
	c := packCluster(t, signer.Public())
	_, n := c.leader()

	before := order("o-1", "O1", "AAPL")
	before.Price = decimal.RequireFromString("585")
	r0 := submit(t, n, "alice", before)[0]
	if got := decisionAt(t, n, r0.Index).RulePack; got != "builtin-2025.1" {
		t.Fatalf("before the push: rule pack %q, want builtin-2025.1", got)
	}

	// Push; every node records the switch at the same index.
	r, err := n.PushRulePack(t.Context(), "alice", signPack(t, signer, testPack("desk-2025.2")))
	if err != nil || r.Outcome != entry.Accept {
		t.Fatalf("PushRulePack: %+v, %v", r, err)
	}
	c.converge(r.Index + 1)
	for i, node := range c.nodes {
		v, idx, ok, err := node.RulePack()
		if err != nil || !ok || v != "desk-2025.2" || idx != r.Index {
			t.Errorf("node %d: rule pack %q at %d (%v, %v), want desk-2025.2 at %d", i, v, idx, ok, err, r.Index)
		}
	}
	e := decisionAt(t, n, r.Index)
	if e.RulePack != "desk-2025.2" {
		t.Errorf("switch entry: rule pack %q, want desk-2025.2", e.RulePack)
	}

	// Decisions after the switch carry the new version and the custom rule.
	after := before
	after.ID, after.OrderID = "o-2", "O2"
	r2 := submit(t, n, "alice", after)[0]
	d := decisionAt(t, n, r2.Index)
	if d.RulePack != "desk-2025.2" {
		t.Errorf("after the push: rule pack %q, want desk-2025.2", d.RulePack)
	}
	if c, ok := findCheck(d, "over_fifty"); !ok || c.Result != entry.Alert {
		t.Errorf("custom rule: got %+v (%v), want an alert for 100 shares", c, ok)
	}

	// A new leader rebuilds its monitor from the log and switches too.
	li, _ := c.leader()
	c.stop(li)
	_, n = c.leader()
	third := before
	third.ID, third.OrderID = "o-3", "O3"
	r3 := submit(t, n, "alice", third)[0]
	if got := decisionAt(t, n, r3.Index).RulePack; got != "desk-2025.2" {
		t.Errorf("after a leader change: rule pack %q, want desk-2025.2", got)
	}
}

func findCheck(d entry.Decision, rule string) (entry.Check, bool) {
	for _, c := range d.Checks {
		if c.Rule == rule {
			return c, true
		}
	}
	return entry.Check{}, false
}

func TestRulePackRefused(t *testing.T) {
	signer, other := newPackSigner(t), newPackSigner(t)
	c := packCluster(t, signer.Public())
	_, n := c.leader()
	good := signPack(t, signer, testPack("desk-2025.2"))
	if _, err := n.PushRulePack(t.Context(), "alice", good); err != nil {
		t.Fatalf("PushRulePack: %v", err)
	}
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)-10] ^= 'A' ^ 'B'

	cases := []struct {
		name   string
		actor  string
		signed []byte
		want   error
	}{
		{"bad signature", "alice", flipped, ErrBadRulePack},
		{"untrusted key", "alice", signPack(t, other, testPack("desk-2025.3")), ErrUntrustedRulePackKey},
		{"older version", "alice", signPack(t, signer, testPack("desk-2025.1")), fsm.ErrStaleRulePack},
		{"older than built-in", "alice", signPack(t, signer, testPack("builtin-2024.9")), fsm.ErrStaleRulePack},
		{"invalid pack", "alice", signInvalid(t, signer, "desk-2025.3"), ErrBadRulePack},
		{"malformed", "alice", []byte("bastion-rulepack v1\nkey x\n"), ErrBadRulePack},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			size := n.fsm.LedgerSize()
			_, err := n.PushRulePack(t.Context(), tc.actor, tc.signed)
			if !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
			if got := n.fsm.LedgerSize(); got != size {
				t.Errorf("ledger grew from %d to %d", size, got)
			}
			if v, _, _, _ := n.RulePack(); v != "desk-2025.2" {
				t.Errorf("rule pack in force %q, want desk-2025.2", v)
			}
		})
	}

	// An actor the clearance policy refuses gets a recorded rejection.
	r, err := n.PushRulePack(t.Context(), "mallory", signPack(t, signer, testPack("desk-2025.3")))
	if err != nil || r.Outcome != entry.Reject {
		t.Errorf("mallory: %+v, %v, want a recorded rejection", r, err)
	}
	if v, _, _, _ := n.RulePack(); v != "desk-2025.2" {
		t.Errorf("after a refused actor: rule pack %q, want desk-2025.2", v)
	}

	// The same version again returns the stored receipt.
	if r, err := n.PushRulePack(t.Context(), "alice", good); err != nil || !r.Duplicate {
		t.Errorf("push again: %+v, %v, want the stored receipt", r, err)
	}
}

// signInvalid signs a pack whose custom expression does not type-check,
// bypassing SignPack's validation as a forged or broken tool would.
func signInvalid(t *testing.T, s hybrid.Signer, version string) []byte {
	pack := []byte(strings.Replace(string(testPack(version)), "order.qty > 50", `order.qty > "50"`, 1))
	p := &SignedPack{Key: hybrid.NamedKey{Name: "rulepack", Key: s.Public()}, Version: version, Pack: pack}
	sig, err := s.Sign(p.body(), []byte(RulePackContext))
	if err != nil {
		t.Fatal(err)
	}
	p.Signature = sig
	return p.Marshal()
}
