package portal_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bastion/low-side/portal"
	"bastion/low-side/portal/guardlog"
	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
)

// guardLog writes chained guard log lines to a file and appends more.
type guardLog struct {
	path string
	seq  uint64
	prev string
}

func (g *guardLog) add(t *testing.T, batch uint64, stage string, d guardlog.Decision, reason string) {
	t.Helper()
	g.seq++
	if g.prev == "" {
		g.prev = guardlog.GenesisHash
	}
	b, h := guardlog.Encode(guardlog.Line{
		Time: time.Date(2012, 6, 22, 10, 0, int(g.seq), 0, time.UTC), Seq: g.seq, BatchSeq: batch,
		Stage: stage, Decision: d, Reason: reason, Prev: g.prev,
	})
	g.prev = h
	f, err := os.OpenFile(g.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(append(b, '\n')); err != nil {
		t.Fatal(err)
	}
}

type fixture struct {
	exp    *report.Export
	srv    *portal.Server
	log    *guardLog
	access *strings.Builder
}

// newFixture serves the standard export and a guard log in which batch 3
// was rejected.
func newFixture(t *testing.T, rate portal.Rate) *fixture {
	t.Helper()
	dir := reporttest.WriteExport(t, t.TempDir(), reporttest.Standard()...)
	exp := report.NewExport(dir, nil)
	if _, err := exp.Refresh(); err != nil {
		t.Fatal(err)
	}
	g := &guardLog{path: filepath.Join(t.TempDir(), "guard.log")}
	for _, b := range []uint64{1, 2} {
		g.add(t, b, "publish", guardlog.Accept, "")
	}
	g.add(t, 3, "signature", guardlog.Reject, "signature does not verify")
	g.add(t, 4, "publish", guardlog.Accept, "")
	access := &strings.Builder{}
	srv := portal.New(portal.Config{
		Export: exp, Dir: dir, GuardLog: guardlog.New(g.path, 0), AccessLog: access, Rate: rate,
	})
	return &fixture{exp: exp, srv: srv, log: g, access: access}
}

func (f *fixture) get(t *testing.T, target string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func TestRoutes(t *testing.T) {
	f := newFixture(t, portal.Rate{})
	tests := []struct {
		target     string
		wantStatus int
		wantType   string
		wantBody   string
	}{
		{"/", 200, "text/html", reporttest.Origin},
		{"/api/checkpoint", 200, "application/json", reporttest.Root(16)},
		{"/reports", 200, "text/html", `href="/reports/2012-06-22.csv"`},
		{"/reports/2012-06-21", 200, "text/html", "ACCOUNT_DRAIN"},
		{"/reports/2012-06-21.csv", 200, "text/csv", "meta,entries,7"},
		{"/reports/all.json", 200, "application/json", `"withheld":5`},
		{"/reports/2012-06-21.html", 200, "text/html", "Daily activity report: 2012-06-21"},
		{"/reports/2012-06-23", 404, "text/plain", "no report for 2012-06-23"},
		{"/reports/2012-13-01.json", 400, "text/plain", "YYYY-MM-DD"},
		{"/reports/..%2f..%2fetc%2fpasswd", 400, "text/plain", ""},
		{"/reports/2012-06-21.exe", 400, "text/plain", "unknown format"},
		{"/guard-log", 200, "text/html", "signature does not verify"},
		{"/guard-log/rows?decision=reject", 200, "text/html", "signature does not verify"},
		{"/guard-log?decision=nope", 400, "text/plain", "unknown decision"},
		{"/guard-log?from=abc", 400, "text/plain", "parameter from"},
		{"/fragments/health", 200, "text/html", "Last delivered batch"},
		{"/static/htmx.min.js", 200, "text/javascript", "htmx"},
		{"/static/htmx.LICENSE", 200, "text/plain", "Zero-Clause BSD"},
		{"/static/style.css", 200, "text/css", "@media print"},
		{"/static/", 404, "text/plain", ""},
		{"/api/checkpoint", 200, "application/json", `"size": 16`},
		{"/api/health", 200, "application/json", `"last_batch": 4`},
		{"/api/reports", 200, "application/json", `"date": "2012-06-22"`},
		{"/api/reports/2012-06-22.json", 200, "application/json", `"entries":6`},
		{"/api/reports/2012-06-22.csv", 200, "text/csv", "meta,withheld_above_release_label,3"},
		{"/api/reports/2012-06-22.html", 400, "application/json", "json or .csv"},
		{"/api/reports/2012-06-22", 400, "application/json", "needs an extension"},
		{"/api/guard-log?decision=reject", 200, "application/json", `"batch_seq": 3`},
		{"/api/guard-log?limit=0", 400, "application/json", "parameter limit"},
		{"/nowhere", 404, "text/plain", ""},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			res, body := f.get(t, tt.target)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %.200s", res.StatusCode, tt.wantStatus, body)
			}
			if got := res.Header.Get("Content-Type"); !strings.HasPrefix(got, tt.wantType) {
				t.Errorf("Content-Type %q, want %q", got, tt.wantType)
			}
			if !strings.Contains(body, tt.wantBody) {
				t.Errorf("body does not contain %q:\n%.600s", tt.wantBody, body)
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t, portal.Rate{})
	want := map[string]string{
		"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
			"img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"X-Frame-Options":        "DENY",
	}
	for _, target := range []string{"/", "/api/checkpoint", "/nowhere", "/static/htmx.min.js"} {
		res, _ := f.get(t, target)
		for k, v := range want {
			if got := res.Header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", target, k, got, v)
			}
		}
	}
}

func TestPagesReferenceNoOutsideHost(t *testing.T) {
	f := newFixture(t, portal.Rate{})
	for _, target := range []string{"/", "/reports", "/reports/2012-06-21", "/guard-log", "/reports/all.html"} {
		_, body := f.get(t, target)
		for _, bad := range []string{"http://", "https://", "<script>", " style=", " onclick=", " onload=", "javascript:"} {
			if strings.Contains(strings.ToLower(body), bad) {
				t.Errorf("%s contains %q", target, bad)
			}
		}
	}
}

func TestGuardLogFiltersAreLiterals(t *testing.T) {
	f := newFixture(t, portal.Rate{})
	f.log.add(t, 5, "labels", guardlog.Hold, "' OR 1=1 --")
	tests := []struct {
		query string
		want  []uint64
	}{
		{"text=%27+OR+1%3D1+--", []uint64{5}},
		{"stage=%27+OR+1%3D1+--", nil},
		{"stage=publish%27+OR+%271%27%3D%271", nil},
		{"text=%3Cscript%3E", nil},
		{"decision=reject&from=1&to=10", []uint64{3}},
		{"from=4", []uint64{5, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res, body := f.get(t, "/api/guard-log?"+tt.query)
			if res.StatusCode != 200 {
				t.Fatalf("status %d: %s", res.StatusCode, body)
			}
			var got struct{ Lines []guardlog.Line }
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			var seqs []uint64
			for _, l := range got.Lines {
				seqs = append(seqs, l.BatchSeq)
			}
			if len(seqs) != len(tt.want) || (len(seqs) > 0 && seqs[0] != tt.want[0]) {
				t.Errorf("batches %v, want %v", seqs, tt.want)
			}
		})
	}
	_, page := f.get(t, "/guard-log?text=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
	if strings.Contains(page, "<script>alert") {
		t.Error("filter value rendered unescaped")
	}
}

func TestRejectionVisibleOnNextPoll(t *testing.T) {
	f := newFixture(t, portal.Rate{})
	f.log.add(t, 6, "scan", guardlog.Reject, "card number pattern")
	_, body := f.get(t, "/guard-log/rows?decision=reject")
	if !strings.Contains(body, "card number pattern") {
		t.Errorf("new rejection missing from the refreshed rows:\n%s", body)
	}
	_, health := f.get(t, "/fragments/health")
	if !strings.Contains(health, "card number pattern") {
		t.Errorf("new rejection missing from the health fragment")
	}
	_, page := f.get(t, "/guard-log")
	if !strings.Contains(page, `hx-trigger="every 1s"`) {
		t.Error("guard log rows do not poll every second")
	}
}

func TestReportContentMatchesFile(t *testing.T) {
	f := newFixture(t, portal.Rate{})
	_, api := f.get(t, "/api/reports/2012-06-21.json")
	var d report.Daily
	if err := json.Unmarshal([]byte(api), &d); err != nil {
		t.Fatal(err)
	}
	if d.Entries != 7 || d.Withheld != 2 || len(d.Rejections) != 2 || d.Checkpoint.Size != 9 {
		t.Errorf("report: %d entries, %d withheld, %d rejections, checkpoint %d; want 7, 2, 2, 9",
			d.Entries, d.Withheld, len(d.Rejections), d.Checkpoint.Size)
	}
	_, download := f.get(t, "/reports/2012-06-21.json")
	if download != api {
		t.Error("download and API bodies differ")
	}
}

func TestRateLimit(t *testing.T) {
	f := newFixture(t, portal.Rate{PerSecond: 0.001, Burst: 3})
	var codes []int
	for range 5 {
		res, _ := f.get(t, "/api/checkpoint")
		codes = append(codes, res.StatusCode)
	}
	want := []int{200, 200, 200, 429, 429}
	for i := range want {
		if codes[i] != want[i] {
			t.Fatalf("statuses %v, want %v", codes, want)
		}
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	f := newFixture(t, portal.Rate{})
	req := httptest.NewRequest(http.MethodPost, "/api/checkpoint", strings.NewReader("x"))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("cross-site POST: status %d, want 403", rec.Code)
	}
}

func TestAccessLogged(t *testing.T) {
	f := newFixture(t, portal.Rate{})
	f.get(t, "/reports?x=1")
	var rec struct {
		Msg, Method, Path, Query string
		Status                   int
	}
	line := strings.TrimSpace(f.access.String())
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		t.Fatalf("access log %q: %v", line, err)
	}
	if rec.Msg != "access" || rec.Method != "GET" || rec.Path != "/reports" || rec.Query != "x=1" || rec.Status != 200 {
		t.Errorf("access record %+v, want GET /reports x=1 200", rec)
	}
}

func TestAuthMiddlewareWraps(t *testing.T) {
	dir := reporttest.WriteExport(t, t.TempDir(), reporttest.Standard()...)
	srv := portal.New(portal.Config{
		Export: report.NewExport(dir, nil), Dir: dir,
		GuardLog: guardlog.New(filepath.Join(t.TempDir(), "none"), 0),
		Auth: func(http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "login required", http.StatusUnauthorized)
			})
		},
	})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/reports", nil))
	if rec.Code != http.StatusUnauthorized || rec.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("status %d with CSP %q, want 401 with the CSP", rec.Code, rec.Header().Get("Content-Security-Policy"))
	}
}

// TestLongRequestNotEchoed checks that a huge report name or proof index
// is refused without the portal sending its bytes back.
func TestLongRequestNotEchoed(t *testing.T) {
	f := newFixture(t, portal.Rate{})
	long := strings.Repeat("x", 100_000)
	for _, target := range []string{"/reports/" + long, "/api/reports/" + long + ".json", "/proof?index=" + long} {
		res, body := f.get(t, target)
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %.40s… = %d, want 400", target, res.StatusCode)
		}
		if strings.Contains(body, strings.Repeat("x", 100)) {
			t.Errorf("GET %.40s… echoed the request: %d bytes of body", target, len(body))
		}
	}
}
