package monitor

import (
	"encoding/json"
	"strings"
	"testing"

	"bastion/high-side/intake"
	"bastion/shared/entry"
)

func TestDefaultConfigLoads(t *testing.T) {
	c := DefaultConfig()
	if got, want := c.Orders.Collar.Reference["AAPL"].String(), "585"; got != want {
		t.Errorf("AAPL reference: got %s, want %s", got, want)
	}
	if got, want := c.Orders.Notional.Limit.String(), "5000000"; got != want {
		t.Errorf("notional limit: got %s, want %s", got, want)
	}
	if _, err := New(c, nil); err != nil {
		t.Fatalf("New(default): %v", err)
	}
}

// withPack returns the built-in pack with extra TOML appended.
func withPack(extra string) []byte { return append(append([]byte{}, defaultPack...), extra...) }

// TestUnknownKeyRejected replays REPLAY M11: a misplaced key fails loading
// with file, line and key instead of running on defaults.
func TestUnknownKeyRejected(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want string
	}{
		{"misspelt key", "version = \"x\"\n[orders.size]\naction = \"reject\"\nmax_qyt = 5\n", `pack.toml:4: unknown key "orders.size.max_qyt"`},
		{"misplaced table", "version = \"x\"\n\n[limits]\nnotional = 1\n", `pack.toml:3: unknown key "limits"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.toml), "pack.toml")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want it to contain %s", err, tt.want)
			}
		})
	}
}

// TestAmountStringAndNumber replays REPLAY M7 for rule packs: "1000.00"
// and 999.5 are both decimals and compare exactly.
func TestAmountStringAndNumber(t *testing.T) {
	tests := []struct {
		raw  string
		want string
	}{
		{`"1000.00"`, "1000"}, {`999.5`, "999.5"}, {`1_000_000`, "1000000"},
		{`'0.1'`, "0.1"}, {`1e3`, "1000"}, {`0.30000000000000004`, "0.30000000000000004"},
	}
	for _, tt := range tests {
		var a Amount
		if err := a.UnmarshalTOML([]byte(tt.raw)); err != nil {
			t.Errorf("%s: %v", tt.raw, err)
			continue
		}
		if got := a.String(); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.raw, got, tt.want)
		}
	}
	for _, bad := range []string{`1e999999999`, `"0.1e-40"`, `1234567890123456789012345678901234567890`, `inf`, `nan`, `"abc"`, `0x10`, `[1]`, `""`, `"1\"`} {
		var a Amount
		if err := a.UnmarshalTOML([]byte(bad)); err == nil {
			t.Errorf("%s: accepted as %s, want an error", bad, a)
		}
	}
	var big, small Amount
	_ = big.UnmarshalTOML([]byte(`"1000.00"`))
	_ = small.UnmarshalTOML([]byte(`999.5`))
	if big.Cmp(small.Decimal) <= 0 {
		t.Errorf("got 1000.00 <= 999.5")
	}
}

// TestJSONAmountsCompare replays REPLAY M7 at the boundary: a payment whose
// amount arrives as a JSON string and one as a JSON number are both
// compared as decimals against the same threshold.
func TestJSONAmountsCompare(t *testing.T) {
	m := newTestMonitor(t, func(c *Config) {
		c.Rules = []RuleConfig{{Name: "big", On: "payment", Action: Review, Reason: entry.ReasonAmountAnomaly,
			When: Cond{Field: "amount", Op: "ge", Value: Scalar{"1000"}}}}
	})
	tests := []struct {
		body string
		want entry.Outcome
	}{
		{`{"id":"p1","kind":"payment","amount":"1000.00","currency":"USD","from":"a","to":"b"}`, entry.Review},
		{`{"id":"p2","kind":"payment","amount":999.5,"currency":"USD","from":"a","to":"b"}`, entry.Accept},
		{`{"id":"p3","kind":"payment","amount":"999.99999999999999999","currency":"USD","from":"a","to":"b"}`, entry.Accept},
		{`{"id":"p4","kind":"payment","amount":1000,"currency":"USD","from":"a","to":"b"}`, entry.Review},
	}
	for _, tt := range tests {
		var p intake.Payment
		if err := json.Unmarshal([]byte(tt.body), &p); err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		if got := m.DecidePayment(p, t0).Outcome; got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.body, got, tt.want)
		}
	}
}

// TestPackValidation covers the load-time checks, including REPLAY M1: an
// empty all or any group is rejected when the pack is loaded.
func TestPackValidation(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want string
	}{
		{"empty all", `
[[rule]]
name = "x"
on = "payment"
action = "review"
reason = "AMOUNT_ANOMALY"
[rule.when]
all = []
`, "empty condition"},
		{"nested empty any", `
[[rule]]
name = "x"
on = "order"
action = "review"
reason = "WATCH_LIST"
[rule.when]
all = [{ field = "qty", op = "gt", value = 1 }, { any = [] }]
`, "when.all[1]: empty condition"},
		{"empty when", `
[[rule]]
name = "x"
on = "order"
action = "review"
reason = "WATCH_LIST"
`, "when: empty condition"},
		{"unknown reason", `
[[rule]]
name = "x"
on = "order"
action = "review"
reason = "MADE_UP"
when = { field = "qty", op = "gt", value = 1 }
`, `unknown reason code "MADE_UP"`},
		{"text field with lt", `
[[rule]]
name = "x"
on = "order"
action = "review"
reason = "WATCH_LIST"
when = { field = "symbol", op = "lt", value = "A" }
`, `operator "lt" not allowed on field "symbol"`},
		{"non-decimal value", `
[[rule]]
name = "x"
on = "payment"
action = "review"
reason = "VELOCITY"
when = { field = "amount", op = "gt", value = "lots" }
`, `"lots" is not a decimal amount`},
		{"built-in name", `
[[rule]]
name = "velocity"
on = "payment"
action = "review"
reason = "VELOCITY"
when = { field = "amount", op = "gt", value = 1 }
`, "not a built-in rule"},
		{"missing action", "\n[payments.cycle]\naction = \"\"\n", "payments.cycle: missing action"},
		{"bad action", "\n[payments.cycle]\naction = \"block\"\n", `unknown action "block"`},
		{"ratio above one", "\n[payments.drain]\naction = \"review\"\nratio = 1.5\nkinds = [\"transfer\"]\n", "payments.drain: ratio must be in (0, 1]"},
		{"count above history", "\n[payments.velocity]\naction = \"review\"\nwindow = \"1h\"\nmax = 40\n", "payments.velocity.max: 40 must be below state.history (32)"},
		{"bad duration", "\n[orders.duplicate]\naction = \"review\"\nwindow = \"soon\"\n", `malformed duration "soon"`},
		{"bad kind", "\n[payments.drain]\naction = \"review\"\nratio = 0.9\nkinds = [\"cheque\"]\n", `unknown payment kind "cheque"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Later tables of the same name are not allowed in TOML, so
			// sections replace the built-in pack's text rather than extend it.
			doc := withPack(tt.toml)
			if strings.Contains(tt.toml, "[payments.") || strings.Contains(tt.toml, "[orders.") {
				doc = []byte(replaceSection(string(defaultPack), tt.toml))
			}
			_, err := ParseConfig(doc, "pack.toml")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// replaceSection swaps the section headed like the first line of sec in
// pack for sec.
func replaceSection(pack, sec string) string {
	sec = strings.TrimLeft(sec, "\n")
	header, _, _ := strings.Cut(sec, "\n")
	start := strings.Index(pack, "\n"+header)
	if start < 0 {
		return pack + "\n" + sec
	}
	start++
	end := strings.Index(pack[start+len(header):], "\n[")
	if end < 0 {
		return pack[:start] + sec
	}
	return pack[:start] + sec + pack[start+len(header)+end:]
}

func TestCustomRuleFires(t *testing.T) {
	doc := withPack(`
[[rule]]
name = "big-wire"
on = "payment"
action = "reject"
reason = "AMOUNT_ANOMALY"
[rule.when]
all = [
  { field = "kind", op = "in", values = ["wire", "transfer"] },
  { any = [{ field = "amount", op = "ge", value = "1000000" }, { field = "currency", op = "ne", value = "USD" }] },
]
`)
	cfg, err := ParseConfig(doc, "pack.toml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		p    func() (string, string, string)
		want entry.Outcome
	}{
		{func() (string, string, string) { return "wire", "1000000.00", "USD" }, entry.Reject},
		{func() (string, string, string) { return "wire", "999999.99", "USD" }, entry.Accept},
		{func() (string, string, string) { return "transfer", "5", "EUR" }, entry.Reject},
		{func() (string, string, string) { return "payment", "5000000", "EUR" }, entry.Accept},
	}
	for i, tt := range tests {
		kind, amount, ccy := tt.p()
		p := payment("p", "a", "b", amount, "0", kind)
		p.Currency = ccy
		d := m.DecidePayment(p, t0)
		if d.Outcome != tt.want {
			t.Errorf("case %d (%s %s %s): got %s, want %s", i, kind, amount, ccy, d.Outcome, tt.want)
		}
		c, _ := checkOf(d, "big-wire")
		if !strings.HasPrefix(c.Limit, "(kind in [wire,transfer] and (amount ge 1000000") {
			t.Errorf("limit: got %q", c.Limit)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add(defaultPack)
	f.Add(withPack("\n[[rule]]\nname = \"r\"\non = \"payment\"\naction = \"review\"\nreason = \"VELOCITY\"\nwhen = { any = [{ field = \"amount\", op = \"gt\", value = 1 }] }\n"))
	f.Add([]byte("version = 1\n[orders.size]\nmax_qty = \"x\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := ParseConfig(b, "fuzz.toml")
		if err != nil {
			return
		}
		cfg.Orders.Restricted.ListFile, cfg.Orders.Restricted.Form4Dir, cfg.Orders.Watch.ListFile = "", "", ""
		m, err := New(cfg, nil)
		if err != nil {
			t.Fatalf("validated pack refused by New: %v", err)
		}
		for _, d := range []entry.Decision{
			m.DecideOrder(order("o", entry.OrderNew, "AAPL", entry.Buy, 10, "585"), t0),
			m.DecidePayment(payment("p", "a", "b", "10", "100", "transfer"), t0),
		} {
			if err := d.Validate(); err != nil {
				t.Fatalf("invalid decision %+v: %v", d, err)
			}
		}
	})
}
