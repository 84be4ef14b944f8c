package scan

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// escapeAll writes every character of s as a \u escape.
func escapeAll(s string) string {
	var b strings.Builder
	for _, r := range s {
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return b.String()
}

// TestEveryPosition plants each kind of personal data in every position a
// JSON document offers (key, value, nested object, array element, deep
// nesting), plainly and fully \u-escaped, and requires the finding at the
// right path.
func TestEveryPosition(t *testing.T) {
	values := []struct {
		text string
		rule Rule
	}{
		{"4111111111111111", RuleCard},
		{"4111 1111 1111 1111", RuleCard},
		{"078-05-1120", RuleSSN},
		{"ada@example.com", RuleEmail},
		{"xSECRETx", RuleDirtyWord},
		{"Ada Lovelace", RuleName},
	}
	positions := []struct {
		name, doc, path string
	}{
		{"top-level string", `"%s"`, "$"},
		{"member value", `{"v":1,"note":"%s"}`, "note"},
		{"member key", `{"%s":1}`, "%s (key)"},
		{"nested value", `{"body":{"a":{"b":"%s"}}}`, "body.a.b"},
		{"nested key", `{"body":{"%s":true}}`, "body.%s (key)"},
		{"array element", `{"a":[1,"x","%s"]}`, "a[2]"},
		{"array in array", `[[],[null,["%s"]]]`, "[1][1][0]"},
		{"after white space", " {\n\t\"a\" : [ \"%s\" ] }\r\n", "a[0]"},
	}
	s := testScanner()
	for _, v := range values {
		for _, p := range positions {
			for _, esc := range []bool{false, true} {
				text := v.text
				if esc {
					text = escapeAll(text)
				}
				name := fmt.Sprintf("%s/%s/escaped=%v", v.rule, p.name, esc)
				t.Run(name, func(t *testing.T) {
					doc := strings.ReplaceAll(p.doc, "%s", text)
					got, err := s.Entry([]byte(doc))
					if err != nil {
						t.Fatalf("Entry(%s): %v", doc, err)
					}
					want := []Finding{{v.rule, strings.ReplaceAll(p.path, "%s", v.text)}}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Fatalf("Entry(%s) findings (-want +got):\n%s", doc, diff)
					}
				})
			}
		}
	}
}

// TestNumbers checks that numbers are scanned for card numbers wherever
// they sit, except the envelope's own top-level timestamp.
func TestNumbers(t *testing.T) {
	tests := []struct {
		doc  string
		want []Finding
	}{
		{`{"time_ns":4111111111111111}`, nil},
		{`{"time_ns":1,"qty":4111111111111111}`, []Finding{{RuleCard, "qty"}}},
		{`[4111111111111111]`, []Finding{{RuleCard, "[0]"}}},
		{`{"a":{"time_ns":-4111111111111111e0}}`, []Finding{{RuleCard, "a.time_ns"}}},
		{`4111111111111111.5`, []Finding{{RuleCard, "$"}}},
		{`{"p":585.33,"q":1e400}`, nil},
	}
	s := testScanner()
	for _, tt := range tests {
		got, err := s.Entry([]byte(tt.doc))
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("Entry(%s) = %v, %v; want %v", tt.doc, got, err, tt.want)
		}
	}
}

// TestEscapes covers the decoding of escapes: surrogate pairs, lone
// surrogates (U+FFFD, as encoding/json decodes them) and the one-letter
// escapes, which must not join or split words.
func TestEscapes(t *testing.T) {
	tests := []struct {
		doc  string
		want []Finding
	}{
		{`"\u0053\u0045\u0043\u0052\u0045\u0054"`, []Finding{{RuleDirtyWord, "$"}}},
		{`"SEC\/RET"`, nil},
		{`"SEC\nRET"`, nil},
		{`"\ud83d\ude00 SECRET"`, []Finding{{RuleDirtyWord, "$"}}},
		{`"\ud800SECRET"`, []Finding{{RuleDirtyWord, "$"}}},
		{`"Ada\tLovelace"`, []Finding{{RuleName, "$"}}},
		{`"4111\u00201111\u00201111\u00201111"`, []Finding{{RuleCard, "$"}}},
		{`{"a\"b":"ada\u0040example.com"}`, []Finding{{RuleEmail, `a"b`}}},
	}
	s := testScanner()
	for _, tt := range tests {
		got, err := s.Entry([]byte(tt.doc))
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("Entry(%s) = %v, %v; want %v", tt.doc, got, err, tt.want)
		}
	}
}

// TestMatchesReference runs the seed corpus through the scanner and the
// reference scanner built on encoding/json: same findings, and an error
// from one exactly when the other fails.
func TestMatchesReference(t *testing.T) {
	for _, in := range differentialSeeds {
		checkAgainstReference(t, []byte(in))
	}
}

var differentialSeeds = []string{
	`{"v":1,"body":{"note":"4111 1111 1111 1111"}}`,
	`{"a":["078-05-1120","ada@example.com",{"b":"xSECRET"}]}`,
	"\xff SECRET", `"c1:00"`, `[[[[[]]]]]`, `{"a":1.5e300}`, `@@@.@`, "4-1-1-1",
	`{}`, `[]`, ` [ ] `, `{"a":}`, `{"a":1,}`, `[1,]`, `[01]`, `-`, `-0`, `1.`, `1e`, `1e+`,
	`"\u00"`, `"\x"`, `"a` + "\x01" + `"`, `tru`, `nul`, `falsey`, `{"a" 1}`, `{1:2}`,
	`"\ud800\u0041"`, `"\udc00\ud800"`, `{"":{"":""}}`, `{"a":{"b":[{"c":"Ada  LOVELACE"}]}}`,
	`"c1:4111111111111111411111111111111141111111111111114111111111111111"`,
	`"ÄDA LOVELACE ß SECRET ǅ"`, `"ǆ"`, `{"time_ns":"4111111111111111"}`, "\t\"x\"\n",
	`{"a":[1,2,3]}{"b":2}`, `[` + strings.Repeat(`[`, MaxDepth) + `]` + strings.Repeat(`]`, MaxDepth),
	`[` + strings.Repeat(`[`, MaxDepth-1) + `1` + strings.Repeat(`]`, MaxDepth),
}

func checkAgainstReference(t *testing.T, in []byte) {
	t.Helper()
	s := testScanner()
	got, err := s.Entry(in)
	want, wantErr := s.refEntry(in)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("Entry(%q) error %v, reference error %v", in, err, wantErr)
	}
	if err != nil && !errors.Is(err, ErrMalformed) {
		t.Fatalf("Entry(%q) error %v does not wrap ErrMalformed", in, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Entry(%q) differs from the reference (-want +got):\n%s", in, diff)
	}
	if got, want := s.Text("f", string(in)), s.refText("f", string(in)); !slices.Equal(got, want) {
		t.Fatalf("Text(%q) = %v, reference %v", in, got, want)
	}
}

// FuzzMatchesReference is the differential fuzz target: the byte-level
// scanner and the encoding/json reference agree on every input.
func FuzzMatchesReference(f *testing.F) {
	for _, seed := range differentialSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkAgainstReference(t, in) })
}

func BenchmarkEntry(b *testing.B) {
	order := []byte(`{"v":1,"type":"order","id":"o-5","time_ns":1340285400004000005,"actor":"T1",` +
		`"label":{"level":"confidential","compartments":["trading"]},"body":{"order_id":"o-5",` +
		`"event":"new","symbol":"AAPL","side":"buy","qty":105,"price":"585.33","trader":"T1",` +
		`"account":"c1:af910da96c0d1b7f06e5bf8e89424e16d3600360ee521bd2dde829be43c4c974","source":"api"}}`)
	s := testScanner()
	b.SetBytes(int64(len(order)))
	b.ReportAllocs()
	for b.Loop() {
		if f, err := s.Entry(order); err != nil || len(f) != 0 {
			b.Fatal(f, err)
		}
	}
}
