package monitor

import (
	"path/filepath"
	"strings"
	"testing"

	"bastion/shared/entry"
)

func TestParseForm4RealFilings(t *testing.T) {
	dir := dataDir(t, "sec_form4")
	tests := []struct {
		file string
		want Form4
	}{
		{"form4.snow.xml", Form4{DocumentType: "4", IssuerCIK: "0001640147", IssuerName: "Snowflake Inc.", Symbol: "SNOW"}},
		{"374WaterForm4.xml", Form4{DocumentType: "4", IssuerCIK: "0000933972", IssuerName: "374Water Inc.", Symbol: "SCWO"}},
	}
	for _, tt := range tests {
		got, err := LoadForm4(filepath.Join(dir, tt.file))
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.file, got, tt.want)
		}
	}
}

// TestForm4RestrictsIssuers loads the shipped filings as the restricted
// list and checks that orders in their issuers are blocked.
func TestForm4RestrictsIssuers(t *testing.T) {
	dir := dataDir(t, "sec_form4")
	m := newTestMonitor(t, func(c *Config) { c.Orders.Restricted.Form4Dir = dir })
	tests := []struct {
		symbol string
		want   entry.Outcome
	}{{"SNOW", entry.Reject}, {"SCWO", entry.Reject}, {"MSFT", entry.Accept}}
	for _, tt := range tests {
		d := m.DecideOrder(order("o-"+tt.symbol, entry.OrderNew, tt.symbol, entry.Sell, 100, "10"), t0)
		if d.Outcome != tt.want {
			t.Errorf("%s: got %s %v, want %s", tt.symbol, d.Outcome, d.Reasons, tt.want)
		}
	}
	if got := len(m.Restricted()); got != 2 {
		t.Errorf("restricted list: got %d symbols, want 2", got)
	}
}

func TestParseForm4Errors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"not xml", "hello", "malformed Form 4: EOF"},
		{"wrong root", "<html><issuer/></html>", "malformed Form 4: expected element type <ownershipDocument> but have <html>"},
		{"form 3", "<ownershipDocument><documentType>3</documentType></ownershipDocument>", `document type "3", want 4 or 4/A`},
		{"no symbol", "<ownershipDocument><documentType>4</documentType><issuer/></ownershipDocument>", "no issuerTradingSymbol"},
		{"bad symbol", "<ownershipDocument><documentType>4</documentType><issuer><issuerTradingSymbol>A B</issuerTradingSymbol></issuer></ownershipDocument>", `issuerTradingSymbol "A B"`},
		{"entity", `<!DOCTYPE x [<!ENTITY a "b">]><ownershipDocument><documentType>&a;</documentType></ownershipDocument>`, "invalid character entity &a;"},
		{"too large", "<ownershipDocument><documentType>4</documentType><x>" + strings.Repeat("a", maxForm4Size) + "</x></ownershipDocument>", "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseForm4(strings.NewReader(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want it to contain %q", err, tt.want)
			}
		})
	}
	// Lower-case symbols are normalised.
	f, err := ParseForm4(strings.NewReader("<ownershipDocument><documentType>4/A</documentType><issuer><issuerTradingSymbol> snow </issuerTradingSymbol></issuer></ownershipDocument>"))
	if err != nil || f.Symbol != "SNOW" {
		t.Errorf("got %+v, %v; want symbol SNOW", f, err)
	}
}

func FuzzParseForm4(f *testing.F) {
	f.Add([]byte("<ownershipDocument><documentType>4</documentType><issuer><issuerTradingSymbol>SNOW</issuerTradingSymbol></issuer></ownershipDocument>"))
	f.Add([]byte("<?xml version=\"1.0\"?><ownershipDocument><issuer><issuerName>x</issuerName></issuer></ownershipDocument>"))
	f.Add([]byte("<ownershipDocument><documentType>4</documentType><issuer><issuerTradingSymbol>&#65;</issuerTradingSymbol></issuer>"))
	f.Add([]byte("<a><b></a>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseForm4(strings.NewReader(string(b)))
		if err != nil {
			return
		}
		if !validSymbol(got.Symbol) || (got.DocumentType != "4" && got.DocumentType != "4/A") {
			t.Fatalf("accepted %+v", got)
		}
	})
}
