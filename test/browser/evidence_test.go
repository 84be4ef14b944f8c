package browser

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"bastion/guard"
	"bastion/guard/guardtest"
	"bastion/low-side/portal/guardlog"
	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
	"bastion/low-side/verify"
	"bastion/shared/batch"
	"bastion/shared/entry"
)

func TestChartsRender(t *testing.T) {
	s := newSite(t)
	ctx, con := newBrowser(t)
	s.loginWithCode(t, ctx, "rita", "/charts")

	n := get(t, ctx, "charts", chromedp.Evaluate[int](`document.querySelectorAll("figure.chart svg").length`))
	if n != 3 {
		t.Fatalf("charts page shows %d SVG charts, want 3", n)
	}
	// The bars are laid out with a height in the page, and coloured by the
	// stylesheet (no inline style is allowed).
	h := get(t, ctx, "bar height", chromedp.Evaluate[float64](
		`Math.max(...[...document.querySelectorAll("#chart-volumes rect.s-entries")].map(r => r.getBoundingClientRect().height))`))
	fill := get(t, ctx, "bar colour", chromedp.Evaluate[string](
		`getComputedStyle(document.querySelector("#chart-decisions rect.s-reject")).fill`))
	if h <= 10 || fill != "rgb(192, 57, 43)" {
		t.Errorf("tallest volume bar %.1f px high and reject fill %q, want over 10 px and rgb(192, 57, 43)", h, fill)
	}
	rows := get(t, ctx, "figures", chromedp.Text(chromedp.CSS(`#chart-table tbody`)))
	if !strings.Contains(rows, "2012-06-21") || !strings.Contains(rows, "2012-06-22") {
		t.Errorf("figures table %q, want both fixture dates", rows)
	}
	noConsoleErrors(t, con, "charts")
}

// signedExport runs the regulatory fixture through a real guard, so that
// the checkpoints are signed and the roots genuine, and returns the export
// directory and the high side's key ring.
func signedExport(t *testing.T) (report.ExportDir, *verify.KeyRing) {
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
	parse := func(raw []byte) (*report.Batch, error) {
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
	return report.ExportDir{Root: cfg.ExportDir, Parse: parse}, ring
}

// TestInclusionProofShownAndDownloaded follows a rejected order's ledger
// index from its report to its proof, checks what the page shows, then
// downloads the proof and verifies it offline as bastion-verify proof does.
func TestInclusionProofShownAndDownloaded(t *testing.T) {
	dir, ring := signedExport(t)
	s := newSiteOver(t, dir, func(note []byte) error { _, err := ring.Open(note); return err })
	ctx, con := newBrowser(t)
	s.loginWithCode(t, ctx, "ada", "/reports/2012-06-21")

	// Ledger index 4 is the rejected order o-2.
	run(t, ctx, "follow the record's proof link",
		chromedp.Click(chromedp.CSS(`a[href="/proof?index=4"]`)),
		waitPath("/proof?index=4"),
		chromedp.WaitVisible(chromedp.CSS(`#proof-verdict`)),
	)
	verdict := get(t, ctx, "verdict", chromedp.Text(chromedp.CSS(`#proof-verdict`)))
	sig := get(t, ctx, "signature", chromedp.Text(chromedp.CSS(`#proof-signature`)))
	path := get(t, ctx, "path", chromedp.Evaluate[int](`document.querySelectorAll("#proof-path li").length`))
	if verdict != "the audit path leads to the checkpoint root" || sig != "verified" || path != 4 {
		t.Errorf("verdict %q, signature %q, %d path hashes; want the path to lead to the root, verified, 4 (tree of 14)",
			verdict, sig, path)
	}

	// Enter another index by hand: 9 is withheld, proven by its hash only.
	run(t, ctx, "prove index 9",
		chromedp.SetValue(chromedp.CSS(`#proof-form input[name=index]`), "9"),
		chromedp.Click(chromedp.CSS(`#proof-form button`)),
		waitPath("/proof?index=9"),
		chromedp.WaitVisible(chromedp.CSS(`#proof-verdict`)),
	)
	if body := get(t, ctx, "proof 9", chromedp.Text(chromedp.CSS(`#proof`))); !strings.Contains(body, "withheld above the release label") {
		t.Errorf("proof of index 9 does not say the entry is withheld:\n%s", body)
	}

	file := download(t, ctx, `#proof-download`)
	p, err := verify.ParseProof(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Verify(ring.Open); err != nil || p.Index != 9 || p.Entry != nil {
		t.Errorf("downloaded proof: index %d, entry %v, verify %v; want index 9, no entry, verified",
			p.Index, p.Entry != nil, err)
	}
	noConsoleErrors(t, con, "proof")
}

// TestGuardRejectionShowsLive keeps the guard log page open, appends a
// rejection to the guard log as the guard would, and waits for the row to
// appear without a reload. The page asks for new rows every second.
func TestGuardRejectionShowsLive(t *testing.T) {
	s := newSite(t)
	ctx, con := newBrowser(t)
	s.loginWithCode(t, ctx, "sam", "/guard-log")

	start := time.Now()
	appendGuardLine(t, s.guardLog, 5, "label", guardlog.Reject, "label secret above release level")
	run(t, ctx, "wait for the new rejection",
		chromedp.WaitVisible(chromedp.Search(`//tbody[@id="rows"]//td[contains(., "label secret above release level")]`)),
	)
	t.Logf("rejection shown %v after it was written", time.Since(start).Round(10*time.Millisecond))
	first := get(t, ctx, "newest row", chromedp.Text(chromedp.CSS(`#rows tr:first-child`)))
	if !strings.Contains(first, "reject") || !strings.Contains(first, "label") {
		t.Errorf("newest row %q, want the label rejection first", first)
	}
	noConsoleErrors(t, con, "live guard log")
}

// appendGuardLine appends a line chained to the last line of the log.
func appendGuardLine(t *testing.T, path string, batchSeq uint64, stage string, d guardlog.Decision, reason string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var last guardlog.Line
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		if last, err = guardlog.ParseLine(sc.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := guardlog.Encode(guardlog.Line{Time: last.Time.Add(time.Second), Seq: last.Seq + 1, BatchSeq: batchSeq,
		Stage: stage, Decision: d, Reason: reason, Prev: last.Hash})
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(append(b, '\n')); err != nil {
		t.Fatal(err)
	}
}
