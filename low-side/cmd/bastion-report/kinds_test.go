package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
	"bastion/shared/cli"
)

func TestSelectKinds(t *testing.T) {
	all := report.Kinds
	base := []report.Kind{report.KindCAT, report.KindControls, report.KindSurveillance, report.KindAttestation}
	tests := []struct {
		name              string
		kinds             []string
		explicit          bool
		guardLog, capital string
		want              []report.Kind
		wantErr           string
	}{
		{"default, no inputs", nil, false, "", "", base, ""},
		{"default, guard log", nil, false, "g.log", "", append(base[:4:4], report.KindSOX), ""},
		{"default, capital", nil, false, "", "c.toml", append(base[:4:4], report.KindBasel), ""},
		{"default, both", nil, false, "g.log", "c.toml", all, ""},
		{"named", []string{"cat", "attestation"}, true, "", "",
			[]report.Kind{report.KindCAT, report.KindAttestation}, ""},
		{"named sox with guard log", []string{"sox"}, true, "g.log", "", []report.Kind{report.KindSOX}, ""},
		{"named sox without guard log", []string{"cat", "sox"}, true, "", "c.toml", nil,
			"report kind sox needs --guard-log"},
		{"named basel without capital", []string{"basel"}, true, "g.log", "", nil,
			"report kind basel needs --capital"},
		{"named empty", []string{}, true, "", "", nil, "bad --kind: no report kind given"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := bundleOptions{kinds: tc.kinds, guardLog: tc.guardLog, capital: tc.capital}
			got, err := selectKinds(o, tc.explicit)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("selectKinds = %v, %v; want error %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("selectKinds (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBundleHelpDefaultKinds holds the help to the default kinds: every
// kind named, each conditional kind with its flag, and no unconditional
// default list.
func TestBundleHelpDefaultKinds(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"bundle", "--help"}, &out, &errb); code != cli.ExitOK {
		t.Fatalf("bundle --help = %d, stderr %q", code, errb.String())
	}
	help := strings.Join(strings.Fields(out.String()), " ")
	for _, k := range report.Kinds {
		want := string(k)
		if flag, ok := needs[k]; ok {
			want = string(k) + " only with " + flag
		}
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(help, "(default [") {
		t.Errorf("help shows an unconditional default kind list:\n%s", out.String())
	}
}

// TestBundleDefaultKindsQuiet runs "bundle" without --kind and without
// --guard-log and --capital: exit 0, the four kinds whose inputs are
// given, and nothing on stderr.
func TestBundleDefaultKindsQuiet(t *testing.T) {
	exp := guardExport(t)
	tmp := t.TempDir()
	key, out := filepath.Join(tmp, "k"), filepath.Join(tmp, "bundles")
	runCmd(t, 0, "keygen", "--key", key, "--pub", filepath.Join(tmp, "p"))
	var stdout, stderr bytes.Buffer
	code := run([]string{"bundle", "--export", exp, "--date", reporttest.Day1, "--key", key, "--out", out},
		&stdout, &stderr)
	var want []string
	for _, k := range []report.Kind{report.KindCAT, report.KindControls, report.KindSurveillance,
		report.KindAttestation} {
		want = append(want, filepath.Join(out, string(k)+"-"+reporttest.Day1))
	}
	got := strings.Fields(stdout.String())
	if code != cli.ExitOK || stderr.Len() != 0 || !cmp.Equal(got, want) {
		t.Errorf("got exit %d, stdout %q, stderr %q; want exit 0, paths %q, no stderr",
			code, got, stderr.String(), want)
	}
}
