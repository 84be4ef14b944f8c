package verify_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"bastion/guard"
	"bastion/guard/export"
	"bastion/guard/guardtest"
	"bastion/low-side/verify"
	"bastion/shared/entry"
)

// largeBatch publishes one genuine batch of n releasable entries through
// a real guard, large enough for the entries to be parsed in parallel.
func largeBatch(t *testing.T, n int) (string, *guardtest.HighSide) {
	t.Helper()
	dir := t.TempDir()
	hs := guardtest.New(t, "link-1")
	keyFile := filepath.Join(dir, "high-side.pub")
	if err := os.WriteFile(keyFile, hs.KeyText(), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := &guard.Config{Link: "link-1", HighSideKeyFile: keyFile, ReleaseLabel: "confidential/trading",
		StateDir: filepath.Join(dir, "state"), ExportDir: filepath.Join(dir, "export")}
	g, err := guard.Open(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for i := range n {
		hs.Append(t, guardtest.Order(t, i, entry.NewLabel(entry.Confidential, "trading")))
	}
	seq, raw := hs.Next(t)
	if out, err := g.Submit(seq, raw); err != nil || out == guard.Rejected {
		t.Fatalf("Submit(%d) = %v, %v", seq, out, err)
	}
	return cfg.ExportDir, hs
}

// TestLargeBatchEntries checks the parallel parse: every entry of a large
// batch is counted, and a broken one is named by its ledger index, with
// only the entries before it counted.
func TestLargeBatchEntries(t *testing.T) {
	const n = 300
	for _, bad := range []int{-1, 0, 137, n - 1} {
		t.Run(fmt.Sprintf("bad=%d", bad), func(t *testing.T) {
			dir, hs := largeBatch(t, n)
			if bad >= 0 {
				rewrite(t, export.BatchPath(dir, 1), func(b []byte) []byte {
					i := bytes.Index(b, []byte(fmt.Sprintf(`{"v":1,"type":"order","id":"o-%d"`, bad)))
					if i < 0 {
						t.Fatalf("entry o-%d not found in the batch", bad)
					}
					b[i+2] ^= 0x01
					return b
				})
			}
			rep := check(t, dir, hs.KeyText())
			wantEntries := uint64(n)
			if bad >= 0 {
				wantEntries = uint64(bad)
			}
			if rep.Entries != wantEntries {
				t.Errorf("Entries = %d, want %d", rep.Entries, wantEntries)
			}
			var entryP *verify.Problem
			for i, p := range rep.Problems {
				if p.Kind == verify.KindEntry {
					entryP = &rep.Problems[i]
				}
			}
			switch {
			case bad < 0 && !rep.OK():
				t.Fatalf("problems = %v, want none", rep.Problems)
			case bad >= 0 && (entryP == nil || entryP.Index != int64(bad)):
				t.Fatalf("entry problem = %+v, want ledger index %d\nall: %v", entryP, bad, rep.Problems)
			}
		})
	}
}
