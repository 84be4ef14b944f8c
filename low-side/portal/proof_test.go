package portal_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bastion/guard"
	"bastion/guard/guardtest"
	"bastion/low-side/portal"
	"bastion/low-side/portal/guardlog"
	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
	"bastion/low-side/verify"
	"bastion/shared/batch"
	"bastion/shared/entry"
)

// parseBatch decodes a signed batch file for the report engine.
func parseBatch(raw []byte) (*report.Batch, error) {
	b, err := batch.Parse(raw, batch.DefaultLimits())
	if err != nil {
		return nil, err
	}
	out := &report.Batch{Seq: b.Seq, First: b.First, Checkpoint: b.Checkpoint}
	for _, it := range b.Items {
		out.Items = append(out.Items, report.Item{Entry: it.Entry, Hash: it.Hash})
	}
	return out, nil
}

// signedSite runs the regulatory fixture through a real guard (ledger
// index 9 withheld above the release label) and serves the portal over
// its export directory with the high side's key.
func signedSite(t *testing.T) (*fixture, *verify.KeyRing) {
	t.Helper()
	dir := t.TempDir()
	hs := guardtest.New(t, "link-1")
	keyFile := filepath.Join(dir, "high-side.pub")
	os.WriteFile(keyFile, hs.KeyText(), 0o644)
	cfg := &guard.Config{Link: "link-1", HighSideKeyFile: keyFile, ReleaseLabel: "confidential/trading",
		StateDir: filepath.Join(dir, "state"), ExportDir: filepath.Join(dir, "export")}
	g, err := guard.Open(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	entries := reporttest.RegulatoryDays()
	for _, cut := range [][2]int{{0, 7}, {7, 11}, {11, len(entries)}} {
		for _, e := range entries[cut[0]:cut[1]] {
			if e == nil {
				hs.AppendHidden(t, guardtest.Order(t, 99, entry.NewLabel(entry.Secret)))
				continue
			}
			hs.Append(t, e)
		}
		seq, raw := hs.Next(t)
		if out, err := g.Submit(seq, raw); err != nil || out == guard.Rejected {
			t.Fatalf("Submit(%d) = %v, %v", seq, out, err)
		}
	}
	ring, err := verify.ParseKeyRing(hs.KeyText())
	if err != nil {
		t.Fatal(err)
	}
	ed := report.ExportDir{Root: cfg.ExportDir, Parse: parseBatch}
	exp := report.NewExport(ed, nil)
	if _, err := exp.Refresh(); err != nil {
		t.Fatal(err)
	}
	srv := portal.New(portal.Config{Export: exp, Dir: ed, GuardLog: guardlog.New(filepath.Join(dir, "state", guard.LogFile), 0),
		Verify: func(note []byte) error { _, err := ring.Open(note); return err }})
	return &fixture{exp: exp, srv: srv, access: &strings.Builder{}}, ring
}

func TestProofPageAndFile(t *testing.T) {
	f, ring := signedSite(t)
	tests := []struct {
		index     string
		status    int
		wantPage  string
		withEntry bool
	}{
		{"4", 200, "the audit path leads to the checkpoint root", true},
		{"9", 200, "withheld above the release label", false},
		{"13", 200, "the audit path leads to the checkpoint root", true},
		{"14", 404, "no signed checkpoint held here covers that ledger index yet", false},
		{"x", 400, "is not a whole number", false},
		{"-1", 400, "is not a whole number", false},
		{"99999999999999999999999", 400, "is beyond any ledger", false},
		{"%ff%fe", 400, "&#34;\uFFFD&#34; is not a whole number", false},
	}
	for _, tt := range tests {
		t.Run(tt.index, func(t *testing.T) {
			res, body := f.get(t, "/proof?index="+tt.index)
			if res.StatusCode != tt.status || !strings.Contains(body, tt.wantPage) {
				t.Fatalf("GET /proof?index=%s = %d, want %d and %q", tt.index, res.StatusCode, tt.status, tt.wantPage)
			}
			if res.StatusCode == 200 && strings.Contains(body, "proof-verdict") && !strings.Contains(body, `id="proof-signature">verified`) {
				t.Errorf("page does not say the signature verified")
			}
			res, file := f.get(t, "/proof/"+tt.index+".json")
			if !strings.Contains(tt.wantPage, "audit path") && !strings.Contains(tt.wantPage, "withheld") {
				if res.StatusCode != 404 {
					t.Errorf("GET /proof/%s.json = %d, want 404", tt.index, res.StatusCode)
				}
				return
			}
			p, err := verify.ParseProof([]byte(file))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Verify(ring.Open); err != nil {
				t.Errorf("downloaded proof of %s: %v", tt.index, err)
			}
			if (p.Entry != nil) != tt.withEntry || p.TreeSize != 14 {
				t.Errorf("proof has entry %v, size %d; want entry %v, size 14", p.Entry != nil, p.TreeSize, tt.withEntry)
			}
		})
	}
}

func TestProofFileTampered(t *testing.T) {
	f, ring := signedSite(t)
	_, file := f.get(t, "/proof/5.json")
	var m map[string]any
	json.Unmarshal([]byte(file), &m)
	m["index"] = 6
	b, _ := json.Marshal(m)
	p, err := verify.ParseProof(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Verify(ring.Open); err == nil {
		t.Error("a proof moved to another index verified")
	}
}
