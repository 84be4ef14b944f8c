package report_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
	"bastion/shared/entry"
)

// renderAll renders every report of b in every format, keyed by file name.
func renderAll(t *testing.T, reports map[string]*report.Daily) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for date, d := range reports {
		for _, f := range report.Formats {
			b, err := d.Bytes(f)
			if err != nil {
				t.Fatal(err)
			}
			out[report.FileName(date, f)] = b
		}
	}
	return out
}

// followOneByOne builds reports by refreshing an export directory after
// each batch file appears, in the order given.
func followOneByOne(t *testing.T, order []int) map[string]*report.Daily {
	t.Helper()
	batches := reporttest.Standard()
	dir := reporttest.WriteExport(t, t.TempDir())
	e := report.NewExport(dir, nil)
	for _, i := range order {
		reporttest.WriteExport(t, dir.Root, batches[i])
		if _, err := e.Refresh(); err != nil {
			t.Fatalf("Refresh: %v", err)
		}
	}
	return e.Snapshot().Reports
}

func TestRenderDeterministic(t *testing.T) {
	want := renderAll(t, followOneByOne(t, []int{0, 1, 2, 3}))
	if len(want) != 9 {
		t.Fatalf("rendered %d files, want 9 (3 reports x 3 formats)", len(want))
	}
	orders := map[string][]int{
		"same order again": {0, 1, 2, 3},
		"gap filled late":  {0, 2, 3, 1},
		"reverse":          {3, 2, 1, 0},
	}
	for name, order := range orders {
		t.Run(name, func(t *testing.T) {
			got := renderAll(t, followOneByOne(t, order))
			for file, w := range want {
				if !bytes.Equal(got[file], w) {
					t.Errorf("%s differs:\n got %s\nwant %s", file, got[file], w)
				}
			}
		})
	}
}

func TestRenderCSV(t *testing.T) {
	d, _ := buildStandard(t).Report(reporttest.Day1)
	raw, err := d.Bytes(report.CSV)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v", err)
	}
	find := func(rec, key string) []string {
		for _, r := range rows {
			if r[0] == rec && r[1] == key {
				return r
			}
		}
		return nil
	}
	tests := []struct{ rec, key, want string }{
		{"meta", "entries", "7"},
		{"meta", "withheld_above_release_label", "2"},
		{"meta", "checkpoint_size", "9"},
		{"meta", "ledger_last", "6"},
		{"type", "payment", "2"},
		{"outcome", "reject", "2"},
		{"reason", "VELOCITY", "1"},
	}
	for _, tt := range tests {
		r := find(tt.rec, tt.key)
		if r == nil || r[2] != tt.want {
			t.Errorf("row %s/%s = %v, want value %s", tt.rec, tt.key, r, tt.want)
		}
	}
	var rejections []string
	for _, r := range rows {
		if r[0] == "rejection" {
			rejections = append(rejections, r[3]+" "+r[8]+" "+r[10])
		}
	}
	want := []string{"2 o-2 PRICE_COLLAR", "4 p-1 ACCOUNT_DRAIN;VELOCITY"}
	if strings.Join(rejections, "|") != strings.Join(want, "|") {
		t.Errorf("rejection rows = %q, want %q", rejections, want)
	}
}

func TestRenderNeutralisesFormulas(t *testing.T) {
	b := report.NewBuilder()
	at := reporttest.At(reporttest.Day1, 9, 0)
	if err := b.Add(reporttest.NewBatch(1, 0, reporttest.Order("=cmd|x", at, reporttest.Reject(entry.ReasonOrderSize)))); err != nil {
		t.Fatal(err)
	}
	d, _ := b.Report(reporttest.Day1)
	raw, _ := d.Bytes(report.CSV)
	if bytes.Contains(raw, []byte(",=cmd")) || !bytes.Contains(raw, []byte(",'=cmd|x")) {
		t.Errorf("formula cell not neutralised:\n%s", raw)
	}
	page, _ := d.Bytes(report.HTML)
	if !bytes.Contains(page, []byte("<td>=cmd|x</td>")) {
		t.Errorf("HTML does not show the id as text:\n%s", page)
	}
}

func TestWriteFiles(t *testing.T) {
	dir := reporttest.WriteExport(t, t.TempDir(), reporttest.Standard()...)
	e := report.NewExport(dir, nil)
	if _, err := e.Refresh(); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	paths, err := e.Snapshot().WriteFiles(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 9 {
		t.Fatalf("wrote %d files, want 9", len(paths))
	}
	if got, want := filepath.Base(paths[0]), "daily-2012-06-21.json"; got != want {
		t.Errorf("first file %s, want %s", got, want)
	}
	if got, want := filepath.Base(paths[8]), "daily-all.html"; got != want {
		t.Errorf("last file %s, want %s", got, want)
	}
	d := e.Snapshot().Reports[reporttest.Day2]
	want, _ := d.Bytes(report.JSON)
	got, err := os.ReadFile(filepath.Join(out, "daily-2012-06-22.json"))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("file content differs from the rendered report (err %v)", err)
	}
}

// TestRenderListsAtMostMaxListed checks that a day with more rejections
// than a page lists shows the first MaxListed in the HTML rendering, says
// how many it left out, and keeps every one in the CSV and JSON renderings.
func TestRenderListsAtMostMaxListed(t *testing.T) {
	n := report.MaxListed + 7
	d := &report.Daily{Date: "2012-06-21"}
	for i := range n {
		d.Rejections = append(d.Rejections, report.Rejection{Index: uint64(i), Type: entry.TypeOrder,
			ID: "o-" + strconv.Itoa(i), Ref: "ref-" + strconv.Itoa(i), Reasons: []string{entry.ReasonPriceCollar}})
	}
	html, err := d.Bytes(report.HTML)
	if err != nil {
		t.Fatal(err)
	}
	last := report.MaxListed - 1
	if !bytes.Contains(html, []byte(">ref-"+strconv.Itoa(last)+"<")) {
		t.Errorf("HTML lacks rejection %d, the last it should list", last)
	}
	if bytes.Contains(html, []byte(">ref-"+strconv.Itoa(report.MaxListed)+"<")) {
		t.Errorf("HTML lists rejection %d, beyond the first %d", report.MaxListed, report.MaxListed)
	}
	note := "The first " + strconv.Itoa(report.MaxListed) + " rejections are listed; 7 more are not."
	if !bytes.Contains(html, []byte(note)) {
		t.Errorf("HTML lacks the note %q", note)
	}
	for _, f := range []report.Format{report.CSV, report.JSON} {
		b, err := d.Bytes(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := bytes.Count(b, []byte("ref-")); got != n {
			t.Errorf("%s holds %d rejections, want all %d", f, got, n)
		}
	}

	d.Rejections = d.Rejections[:3]
	if html, _ = d.Bytes(report.HTML); bytes.Contains(html, []byte("more are not")) {
		t.Error("HTML of a day with 3 rejections says some are left out")
	}
}
