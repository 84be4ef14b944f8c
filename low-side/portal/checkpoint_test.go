package portal_test

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html"
	"strings"
	"testing"

	"bastion/low-side/portal"
	"bastion/low-side/portal/guardlog"
	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
)

// checkpointServer serves the standard export with the given Verify hook.
func checkpointServer(t *testing.T, verify func([]byte) error) *fixture {
	t.Helper()
	dir := reporttest.WriteExport(t, t.TempDir(), reporttest.Standard()...)
	exp := report.NewExport(dir, nil)
	if _, err := exp.Refresh(); err != nil {
		t.Fatal(err)
	}
	srv := portal.New(portal.Config{Export: exp, Dir: dir,
		GuardLog: guardlog.New(t.TempDir()+"/guard.log", 0), Verify: verify})
	return &fixture{srv: srv}
}

func TestCheckpointVerification(t *testing.T) {
	raw, _ := base64.StdEncoding.DecodeString(reporttest.Root(16))
	wantHex := hex.EncodeToString(raw)
	tests := []struct {
		name            string
		verify          func([]byte) error
		verified, check bool
		text            string // in the JSON verification field and on the overview
	}{
		{"no key", nil, false, false, "no high-side key"},
		{"good signature", func([]byte) error { return nil }, true, true, "signature verified"},
		{"bad signature", func([]byte) error { return errors.New("forged") }, false, true, "does not verify"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := checkpointServer(t, tt.verify)
			_, body := f.get(t, "/api/checkpoint")
			var st portal.CheckpointStatus
			if err := json.Unmarshal([]byte(body), &st); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, body)
			}
			if st.Verified != tt.verified || st.Checked != tt.check || !strings.Contains(st.Verification, tt.text) {
				t.Errorf("verified %v, checked %v, %q; want %v, %v, %q",
					st.Verified, st.Checked, st.Verification, tt.verified, tt.check, tt.text)
			}
			if st.RootHex != wantHex {
				t.Errorf("root_hex %q, want %q", st.RootHex, wantHex)
			}
			_, page := f.get(t, "/")
			page = html.UnescapeString(page)
			for _, want := range []string{wantHex, reporttest.Root(16), tt.text} {
				if !strings.Contains(page, want) {
					t.Errorf("overview lacks %q", want)
				}
			}
		})
	}
}
