package schema

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"bastion/shared/entry"
)

// samples returns one valid entry of every type, with and without the
// optional parts (decision, compartments, notes).
func samples(t testing.TB) [][]byte {
	t.Helper()
	acct := entry.Commit("account", []byte("salt"), "ACCT-1")
	bodies := []struct {
		typ  entry.Type
		body any
	}{
		{entry.TypeOrder, entry.Order{OrderID: "o-1", Event: entry.OrderNew, Symbol: "AAPL", Side: entry.Buy,
			Quantity: 100, Price: decimal.RequireFromString("585.33"), Trader: "T1", Account: acct, Source: "api"}},
		{entry.TypeOrder, entry.Order{OrderID: "o-2", Event: entry.OrderExecute, Symbol: "BRK.B", Side: entry.Sell,
			Quantity: 0, Price: decimal.RequireFromString("0.0001"), Trader: "T2", Account: acct, Source: "fix"}},
		{entry.TypePayment, entry.Payment{PaymentID: "p-1", Kind: "wire", Amount: decimal.RequireFromString("1000"),
			Currency: "USD", From: acct, To: acct, Source: "api"}},
		{entry.TypeLogin, entry.Login{Subject: "u1", Method: "webauthn", Result: "success", Station: "ws-4"}},
		{entry.TypeApproval, entry.Approval{Subject: "o-1", Action: "approve", Approver: "CRO"}},
		{entry.TypeApproval, entry.Approval{Subject: "o-1", Action: "override", Approver: "CRO", Note: "desk limit <raised> & ok"}},
		{entry.TypeConfig, entry.Config{Key: "rules", Version: "v2", Digest: strings.Repeat("ab", 32)}},
		{entry.TypeCeremony, entry.Ceremony{Step: "share_issued", KeyID: "k1"}},
		{entry.TypeCeremony, entry.Ceremony{Step: "share_issued", KeyID: "k1", Details: "3 of 5"}},
	}
	decisions := []*entry.Decision{nil, {Outcome: entry.Accept},
		{Outcome: entry.Review, Reasons: []string{entry.ReasonWatchList}, RulePack: "2026.1",
			Checks: []entry.Check{{Rule: "watch_list", Result: entry.Alert, Reason: entry.ReasonWatchList,
				Observed: "XYZ", Limit: "none"}, {Rule: "notional", Result: entry.Pass}}}}
	labels := []entry.Label{entry.NewLabel(entry.Public), entry.NewLabel(entry.Confidential, "trading", "fx")}
	var out [][]byte
	for i, b := range bodies {
		raw, err := entry.NewBody(b.body)
		if err != nil {
			t.Fatal(err)
		}
		e := entry.Envelope{Version: entry.Version, Type: b.typ, ID: "id-1", Time: 1340285400004000000,
			Actor: "T1", Label: labels[i%len(labels)], Body: raw, Decision: decisions[i%len(decisions)]}
		enc, err := e.Encode()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, enc)
	}
	return out
}

// agree requires Label to prove only what entry.Parse accepts, with the
// same label.
func agree(t *testing.T, raw []byte) (proven bool) {
	t.Helper()
	got, ok := Label(raw)
	if !ok {
		return false
	}
	e, err := entry.Parse(raw)
	if err != nil {
		t.Fatalf("Label proved %q, entry.Parse refuses it: %v", raw, err)
	}
	if diff := cmp.Diff(e.Label, got); diff != "" {
		t.Fatalf("Label(%q) label differs from entry.Parse's (-parse +fast):\n%s", raw, diff)
	}
	return true
}

// TestCovered requires every entry type to be provable: a change in
// package entry's structs makes this fail until the field lists follow.
func TestCovered(t *testing.T) {
	for _, typ := range []entry.Type{entry.TypeOrder, entry.TypePayment, entry.TypeLogin,
		entry.TypeApproval, entry.TypeConfig, entry.TypeCeremony} {
		if !Covered(typ) {
			t.Errorf("Covered(%s) = false, want true: field lists differ from package entry", typ)
		}
	}
	if Covered("nonsense") {
		t.Error("Covered(nonsense) = true, want false")
	}
}

// TestProvesSamples requires the fast path to prove every valid sample
// (else it brings no speed) and to agree with entry.Parse.
func TestProvesSamples(t *testing.T) {
	for _, raw := range samples(t) {
		if !agree(t, raw) {
			t.Errorf("Label(%s) not proven, want proven", raw)
		}
	}
}

// TestMutations changes every sample byte by byte (replace, delete,
// duplicate) and at the edges of every rule, and requires agreement with
// entry.Parse each time.
func TestMutations(t *testing.T) {
	repl := []byte{'"', '\\', ' ', '0', '9', '-', 'A', 'a', '}', ',', 0x7f, 0xc3}
	n, proven := 0, 0
	for _, raw := range samples(t) {
		for i := range raw {
			for _, c := range repl {
				m := append([]byte(nil), raw...)
				m[i] = c
				n++
				if agree(t, m) {
					proven++
				}
			}
			n += 2
			agree(t, append(append([]byte(nil), raw[:i]...), raw[i+1:]...))
			agree(t, append(append(append([]byte(nil), raw[:i+1]...), raw[i]), raw[i+1:]...))
		}
	}
	t.Logf("%d mutations, %d proven valid", n, proven)
}

// TestRefusesNonCanonical lists inputs that entry.Parse refuses although
// they decode: the fast path must not prove any of them.
func TestRefusesNonCanonical(t *testing.T) {
	base := string(samples(t)[0])
	tests := map[string]string{
		"white space":          strings.Replace(base, `"v":1`, `"v": 1`, 1),
		"key case":             strings.Replace(base, `"v":1`, `"V":1`, 1),
		"price trailing zero":  strings.Replace(base, `"585.33"`, `"585.330"`, 1),
		"price unquoted":       strings.Replace(base, `"585.33"`, `585.33`, 1),
		"negative zero":        strings.Replace(base, `"qty":100`, `"qty":-0`, 1),
		"leading zero":         strings.Replace(base, `"qty":100`, `"qty":0100`, 1),
		"float qty":            strings.Replace(base, `"qty":100`, `"qty":100.0`, 1),
		"escaped letter":       strings.Replace(base, `"AAPL"`, `"\u0041APL"`, 1),
		"null decision":        strings.TrimSuffix(base, "}") + `,"decision":null}`,
		"empty compartments":   strings.Replace(base, `{"level":"public"}`, `{"level":"public","compartments":[]}`, 1),
		"duplicate key":        strings.Replace(base, `"v":1,`, `"v":1,"v":1,`, 1),
		"unknown field":        strings.Replace(base, `"source":"api"`, `"source":"api","x":1`, 1),
		"trailing data":        base + " ",
		"qty too large":        strings.Replace(base, `"qty":100`, `"qty":1000000000001`, 1),
		"qty overflow":         strings.Replace(base, `"qty":100`, `"qty":9223372036854775808`, 1),
		"upper-case hex level": strings.Replace(base, `"public"`, `"Public"`, 1),
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			if in == base {
				t.Fatal("replacement did not apply")
			}
			if _, ok := Label([]byte(in)); ok {
				t.Fatalf("Label(%s) proven, want not proven", in)
			}
			if _, err := entry.Parse([]byte(in)); err == nil {
				t.Fatalf("entry.Parse(%s) accepted it; the case is wrong", in)
			}
		})
	}
}

// FuzzAgreesWithEntry: whatever the fast path proves, entry.Parse accepts
// with the same label.
func FuzzAgreesWithEntry(f *testing.F) {
	for _, s := range samples(f) {
		f.Add(s)
	}
	f.Add([]byte(`{"v":1}`))
	f.Fuzz(func(t *testing.T, in []byte) { agree(t, in) })
}

func BenchmarkLabel(b *testing.B) {
	raw := samples(b)[0]
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Label(raw); !ok {
			b.Fatal("not proven")
		}
	}
}
