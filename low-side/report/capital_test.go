package report_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bastion/low-side/report"
)

const goodCapital = `[appliance]
name = "x"

[report.capital]
currency = "USD"
tier1_capital = "1250000000.00"
other_exposure = "20000000000"
as_of = "2012-06-30"
fx = { EUR = "1.2530" }
`

func TestParseCapital(t *testing.T) {
	c, err := report.ParseCapital([]byte(goodCapital))
	if err != nil {
		t.Fatal(err)
	}
	if c.Currency != "USD" || c.Tier1.String() != "1250000000" || c.OtherExposure.String() != "20000000000" ||
		c.FX["EUR"].String() != "1.253" || c.AsOf != "2012-06-30" {
		t.Errorf("capital = %+v", c)
	}
}

func TestParseCapitalErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"no table", "[report]\n", "no [report.capital]"},
		{"currency", "[report.capital]\ncurrency = \"usd\"\ntier1_capital = \"1\"\n", "currency"},
		{"float", "[report.capital]\ncurrency = \"USD\"\ntier1_capital = 1.5\n", "malformed"},
		{"zero tier 1", "[report.capital]\ncurrency = \"USD\"\ntier1_capital = \"0\"\n", "tier1_capital 0: must be positive"},
		{"missing tier 1", "[report.capital]\ncurrency = \"USD\"\n", "tier1_capital"},
		{"negative other", "[report.capital]\ncurrency = \"USD\"\ntier1_capital = \"5\"\nother_exposure = \"-1\"\n", "other_exposure -1"},
		{"bad fx", "[report.capital]\ncurrency = \"USD\"\ntier1_capital = \"5\"\nfx = { EUR = \"x\" }\n", "fx.EUR"},
		{"bad date", "[report.capital]\ncurrency = \"USD\"\ntier1_capital = \"5\"\nas_of = \"2012-6-30\"\n", "as_of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := report.ParseCapital([]byte(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseCapital error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestLoadCapitalNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "capital.toml")
	os.WriteFile(path, []byte("[report.capital]\n"), 0o600)
	if _, err := report.LoadCapital(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("LoadCapital error = %v, want one naming %s", err, path)
	}
}

func FuzzParseCapital(f *testing.F) {
	f.Add([]byte(goodCapital))
	f.Add([]byte("[report.capital]\ncurrency = \"USD\"\ntier1_capital = \"1e400\"\n"))
	f.Add([]byte("[report.capital]\nfx = 3\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := report.ParseCapital(b)
		if err == nil && !c.Tier1.IsPositive() {
			t.Fatalf("accepted tier 1 capital %s", c.Tier1)
		}
	})
}
