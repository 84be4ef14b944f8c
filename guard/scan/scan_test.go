package scan

import (
	"errors"
	"slices"
	"testing"
)

func testScanner() *Scanner {
	return New([]string{"Ada Lovelace", "Grace  Hopper", " "}, []string{"SECRET", "noforn", ""})
}

func rules(f []Finding) []Rule {
	var out []Rule
	for _, x := range f {
		out = append(out, x.Rule)
	}
	return out
}

func TestText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Rule
	}{
		{"clean", "buy 100 AAPL at 585.33", nil},
		{"dirty word at start", "SECRET plan", []Rule{RuleDirtyWord}},
		{"dirty word inside (G1)", "xSECRET", []Rule{RuleDirtyWord}},
		{"dirty word lower case", "the secret plan", []Rule{RuleDirtyWord}},
		{"dirty word mixed case", "NoFoRn", []Rule{RuleDirtyWord}},
		{"card plain", "4111111111111111", []Rule{RuleCard}},
		{"card spaces", "card 4111 1111 1111 1111 exp", []Rule{RuleCard}},
		{"card hyphens", "4111-1111-1111-1111", []Rule{RuleCard}},
		{"card amex 15", "378282246310005", []Rule{RuleCard}},
		{"card 13 digits", "4222222222222", []Rule{RuleCard}},
		{"card 19 digits", "6011000990139424000", nil},
		{"card inside digits run", "12 4111 1111 1111 1111", []Rule{RuleCard}},
		{"card after letters", "acct4111111111111111", []Rule{RuleCard}},
		{"luhn fails", "4111111111111112", nil},
		{"12 digits", "411111111111", nil},
		{"20 digits no groups", "41111111111111111110", nil},
		{"double separator breaks run", "4111  1111 1111 1111", nil},
		{"ssn", "ssn 078-05-1120.", []Rule{RuleSSN}},
		{"ssn spaces", "078 05 1120", []Rule{RuleSSN}},
		{"ssn mixed separators", "078-05 1120", nil},
		{"ein", "EIN 12-3456789", []Rule{RuleSSN}},
		{"ssn inside longer digits", "1078-05-1120", nil},
		{"date is not ssn", "2024-06-21", nil},
		{"email", "mail ada@example.com now", []Rule{RuleEmail}},
		{"email subdomain", "x.y+z@mail.bank.co.uk", []Rule{RuleEmail}},
		{"at without domain", "user@host", nil},
		{"numeric tld", "a@1.2", nil},
		{"name", "approved by Ada Lovelace", []Rule{RuleName}},
		{"name case and punctuation", "ada.LOVELACE", []Rule{RuleName}},
		{"name collapsed spaces in list", "grace hopper", []Rule{RuleName}},
		{"name part of word", "adalovelace", nil},
		{"name first word only", "Ada", nil},
		{"commitment opaque", "c1:4111111111111111411111111111111141111111111111114111111111111111", nil},
		{"digest opaque", "0000000000000000000000000000000000000000000000000000000000000000", nil},
		{"invalid utf8 (G1)", "\xff SECRET", []Rule{RuleEncoding}},
		{"several", "SECRET 4111111111111111 ada@example.com", []Rule{RuleDirtyWord, RuleCard, RuleEmail}},
	}
	s := testScanner()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rules(s.Text("f", tt.in))
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Text(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestEntry(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Finding
	}{
		{"clean", `{"v":1,"time_ns":1340285400004000000,"body":{"qty":100}}`, nil},
		{"timestamp exempt only at top", `{"body":{"time_ns":4111111111111111}}`,
			[]Finding{{RuleCard, "body.time_ns"}}},
		{"card in number", `{"qty":4111111111111111}`, []Finding{{RuleCard, "qty"}}},
		{"escaped dirty word", `{"note":"x\u0053ECRET"}`, []Finding{{RuleDirtyWord, "note"}}},
		{"dirty word in key", `{"secret":1}`, []Finding{{RuleDirtyWord, "secret (key)"}}},
		{"nested array path", `{"d":{"checks":[{"o":"ok"},{"o":"078-05-1120"}]}}`,
			[]Finding{{RuleSSN, "d.checks[1].o"}}},
		{"top-level string", `"ada@example.com"`, []Finding{{RuleEmail, "$"}}},
		{"invalid utf8 (G1)", "{\"n\":\"\xff SECRET\"}", []Finding{{RuleEncoding, "$"}}},
	}
	s := testScanner()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Entry([]byte(tt.in))
			if err != nil {
				t.Fatalf("Entry: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Entry(%s) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestEntryMalformed(t *testing.T) {
	deep := ""
	for range MaxDepth + 2 {
		deep += "["
	}
	for _, in := range []string{"", "{", `{"a":1}{}`, `{"a":}`, deep, "]"} {
		if _, err := testScanner().Entry([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("Entry(%q) error = %v, want ErrMalformed", in, err)
		}
	}
}

func TestFindingHidesValue(t *testing.T) {
	f := testScanner().Text("body.note", "4111111111111111")
	if len(f) != 1 || f[0].String() != "card_number in body.note" {
		t.Fatalf("got %v, want one finding rendered without the value", f)
	}
}

func FuzzEntry(f *testing.F) {
	for _, seed := range []string{
		`{"v":1,"body":{"note":"4111 1111 1111 1111"}}`,
		`{"a":["078-05-1120","ada@example.com",{"b":"xSECRET"}]}`,
		"\xff SECRET", `"c1:00"`, `[[[[[]]]]]`, `{"a":1.5e300}`, `@@@.@`, "4-1-1-1",
	} {
		f.Add([]byte(seed))
	}
	s := testScanner()
	f.Fuzz(func(t *testing.T, in []byte) {
		found, err := s.Entry(in)
		if err != nil && found != nil {
			t.Fatalf("Entry returned findings %v with error %v", found, err)
		}
		for _, x := range found {
			if x.Path == "" || x.Rule == "" {
				t.Fatalf("finding without rule or path: %+v", x)
			}
		}
		s.Text("f", string(in))
	})
}
