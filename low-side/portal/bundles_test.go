package portal_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bastion/low-side/bundle"
	"bastion/low-side/portal"
	"bastion/low-side/portal/guardlog"
	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
)

func TestBundles(t *testing.T) {
	tmp := t.TempDir()
	dir := reporttest.WriteExport(t, filepath.Join(tmp, "export"), reporttest.RegulatoryBatches()...)
	day, err := report.CollectDay(dir, reporttest.Day1)
	if err != nil {
		t.Fatal(err)
	}
	out, err := report.Build(report.KindSurveillance, day, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := bundle.GenerateKey("guard-report")
	root := filepath.Join(tmp, "bundles")
	bdir, err := bundle.Write(root, out, k)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(bdir, "stray.txt"), []byte("x"), 0o644)
	exp := report.NewExport(dir, nil)
	f := &fixture{srv: portal.New(portal.Config{Export: exp, Dir: dir,
		GuardLog: guardlog.New(filepath.Join(tmp, "guard.log"), 0), Bundles: root})}

	res, body := f.get(t, "/api/bundles")
	var idx struct {
		Bundles []struct {
			Name  string
			Files []struct{ Name, URL string }
		}
	}
	if err := json.Unmarshal([]byte(body), &idx); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("/api/bundles = %d %v", res.StatusCode, err)
	}
	if len(idx.Bundles) != 1 || idx.Bundles[0].Name != "surveillance-2012-06-21" || len(idx.Bundles[0].Files) != 5 {
		t.Fatalf("bundles = %+v, want surveillance-2012-06-21 with manifest, signature and 3 files", idx.Bundles)
	}
	tests := []struct {
		target string
		status int
	}{
		{"/bundles/surveillance-2012-06-21/surveillance-2012-06-21.pdf", http.StatusOK},
		{"/bundles/surveillance-2012-06-21/manifest.sig", http.StatusOK},
		{"/bundles/surveillance-2012-06-21/stray.txt", http.StatusNotFound},
		{"/bundles/surveillance-2012-06-21/..%2Fmanifest.json", http.StatusNotFound},
		{"/bundles/..%2Fexport/checkpoint", http.StatusNotFound},
		{"/bundles/cat-2012-06-21/manifest.json", http.StatusNotFound},
	}
	for _, tt := range tests {
		res, body := f.get(t, tt.target)
		if res.StatusCode != tt.status {
			t.Errorf("GET %s = %d, want %d", tt.target, res.StatusCode, tt.status)
		}
		if tt.status == http.StatusOK && !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("GET %s: not sent as a download", tt.target)
		}
		if strings.HasSuffix(tt.target, ".pdf") && !strings.HasPrefix(body, "%PDF-") {
			t.Errorf("GET %s: body is not a PDF", tt.target)
		}
	}
}
