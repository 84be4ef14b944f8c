package portal_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"bastion/low-side/portal"
	"bastion/low-side/portal/guardlog"
	"bastion/low-side/portal/login"
	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
)

func TestDemoModeSaysSo(t *testing.T) {
	f := newFixture(t, portal.Rate{})
	for _, target := range []string{"/", "/reports", "/guard-log"} {
		_, body := f.get(t, target)
		if !strings.Contains(body, "no login configured: loopback demo mode") {
			t.Errorf("%s does not say it runs in demo mode", target)
		}
	}
}

// asRole serves the portal to a request whose Viewer has role.
func asRole(t *testing.T, role login.Role) http.Handler {
	dir := reporttest.WriteExport(t, t.TempDir(), reporttest.Standard()...)
	exp := report.NewExport(dir, nil)
	if _, err := exp.Refresh(); err != nil {
		t.Fatal(err)
	}
	return portal.New(portal.Config{
		Export: exp, Dir: dir, GuardLog: guardlog.New(filepath.Join(t.TempDir(), "none"), 0),
		Auth: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if role != "" {
					r = r.WithContext(login.WithViewer(r.Context(), login.Viewer{Name: "x", Role: role}))
				}
				next.ServeHTTP(w, r)
			})
		},
	})
}

func TestRolesSeeWhatFits(t *testing.T) {
	targets := []string{"/reports", "/reports/2012-06-21.csv", "/api/checkpoint", "/api/reports",
		"/guard-log", "/guard-log/rows", "/fragments/health", "/api/health", "/api/guard-log"}
	evidence := []int{200, 200, 200, 200, 403, 403, 403, 403, 403}
	guard := []int{403, 403, 403, 403, 200, 200, 200, 200, 200}
	none := []int{403, 403, 403, 403, 403, 403, 403, 403, 403}
	tests := []struct {
		role login.Role
		want []int
		nav  []string // must and must not appear on the overview
	}{
		{login.Regulator, evidence, []string{"Current checkpoint", "+Daily reports", "-Guard log", "-Link health"}},
		{login.Auditor, evidence, []string{"Current checkpoint", "+Daily reports", "-Guard log"}},
		{login.Security, guard, []string{"-Current checkpoint", "-Daily reports", "+Guard log", "+Link health"}},
		{"", none, []string{"-Current checkpoint", "-Guard log"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.role), func(t *testing.T) {
			h := asRole(t, tt.role)
			for i, target := range targets {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
				if rec.Code != tt.want[i] {
					t.Errorf("%s: status %d, want %d", target, rec.Code, tt.want[i])
				}
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			body := rec.Body.String()
			if rec.Code != 200 || strings.Contains(body, "demo mode") {
				t.Errorf("overview: status %d, demo banner shown %v; want 200 without it", rec.Code, strings.Contains(body, "demo mode"))
			}
			for _, n := range tt.nav {
				must, text := n[0] != '-', strings.TrimLeft(n, "+-")
				if strings.Contains(body, text) != must {
					t.Errorf("overview contains %q = %v, want %v", text, !must, must)
				}
			}
		})
	}
}
