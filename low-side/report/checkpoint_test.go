package report_test

import (
	"strings"
	"testing"

	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
)

func TestParseCheckpoint(t *testing.T) {
	good := string(reporttest.Checkpoint(14))
	root := reporttest.Root(14)
	tests := []struct {
		name    string
		in      string
		wantErr string
	}{
		{"good", good, ""},
		{"with extension", strings.Replace(good, "\n\n", "\nts 1700000000\n\n", 1), ""},
		{"no signatures", strings.Split(good, "\n\n")[0] + "\n", "no blank line"},
		{"leading zero size", strings.Replace(good, "\n14\n", "\n014\n", 1), "bad size line"},
		{"negative size", strings.Replace(good, "\n14\n", "\n-1\n", 1), "bad size line"},
		{"short root", strings.Replace(good, root, "AAAA", 1), "root line"},
		{"empty origin", good[len(reporttest.Origin):], "origin"},
		{"signature without dash", strings.Replace(good, "— ", "- ", 1), "em dash"},
		{"no trailing newline", strings.TrimSuffix(good, "\n"), "end with a newline"},
		{"not utf-8", "\xff" + good, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := report.ParseCheckpoint([]byte(tt.in))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseCheckpoint: %v", err)
				}
				want := report.Checkpoint{Origin: reporttest.Origin, Size: 14, Root: root}
				if c != want {
					t.Errorf("got %+v, want %+v", c, want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func FuzzParseCheckpoint(f *testing.F) {
	f.Add(reporttest.Checkpoint(0))
	f.Add(reporttest.Checkpoint(18446744073709551615))
	f.Add([]byte("o\n1\n\n\n— k AA==\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, note []byte) {
		c, err := report.ParseCheckpoint(note)
		if err != nil {
			return
		}
		if c.Origin == "" || !strings.HasPrefix(string(note), c.Origin+"\n") {
			t.Fatalf("accepted checkpoint with origin %q not on the first line", c.Origin)
		}
	})
}
