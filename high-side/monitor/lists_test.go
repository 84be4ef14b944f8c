package monitor

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bastion/shared/entry"
)

// TestParseSymbolList covers REPLAY M10 (malformed lines named by line
// number, lists loaded whole) and M4 (a repeated key is a clean error).
func TestParseSymbolList(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int
		wantErr string
	}{
		{"valid", "# restricted\nSNOW,insider filing\n\nSCWO, M&A\r\n", 2, ""},
		{"key only", "SNOW,insider\nAAPL\n", 0, `line 2: symbol "AAPL" has no note`},
		{"empty note", "SNOW,  \n", 0, `line 1: symbol "SNOW" has no note`},
		{"bad symbol", "SNOW,x\nGOOD,y\nbad sym,z\n", 0, `line 3: malformed symbol "bad sym"`},
		{"injection is just a bad symbol", "' OR 1=1 --,x\n", 0, `line 1: malformed symbol "' OR 1=1 --"`},
		{"duplicate", "SNOW,a\nSCWO,b\nSNOW,c\n", 0, "line 3: duplicate symbol SNOW (first on line 1)"},
		{"line too long", "SNOW," + strings.Repeat("x", 2000) + "\n", 0, "line 1: longer than 1024 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSymbolList(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(got) != tt.want {
				t.Fatalf("got %d entries, %v; want %d", len(got), err, tt.want)
			}
		})
	}
}

func TestLongListLoadsWhole(t *testing.T) {
	var b strings.Builder
	const n = 25_000
	for i := range n {
		fmt.Fprintf(&b, "S%06d,note %d\n", i, i)
	}
	got, err := ParseSymbolList(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n || got[n-1].Symbol != "S024999" || got[n-1].Line != n {
		t.Errorf("got %d entries, last %+v; want %d ending with S024999 on line %d", len(got), got[len(got)-1], n, n)
	}
}

func TestListFileInPack(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "watch.txt")
	if err := os.WriteFile(good, []byte("AAPL,earnings\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := newTestMonitor(t, func(c *Config) { c.Orders.Watch.ListFile = good })
	d := m.DecideOrder(order("o1", entry.OrderNew, "AAPL", entry.Buy, 1, "585"), t0)
	c, _ := checkOf(d, "watch_list")
	if c.Result != entry.Alert || c.Limit != "listed: watch.txt:1 earnings" {
		t.Errorf("watch_list: got %+v, want an alert naming watch.txt:1", c)
	}

	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("AAPL,x\nMSFT\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Orders.Watch.ListFile = bad
	if _, err := New(cfg, nil); err == nil || !strings.Contains(err.Error(), "bad.txt: line 2") {
		t.Errorf("got error %v, want one naming bad.txt: line 2", err)
	}
}

func FuzzParseSymbolList(f *testing.F) {
	for _, s := range []string{"SNOW,x\n", "# c\n\nA,b\nA,c\n", "X", ",", "A,\xff\n", "A-B.C,note\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseSymbolList(strings.NewReader(string(b)))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, e := range got {
			if !validSymbol(e.Symbol) || e.Note == "" || seen[e.Symbol] || e.Line < 1 {
				t.Fatalf("accepted bad entry %+v", e)
			}
			seen[e.Symbol] = true
		}
	})
}
