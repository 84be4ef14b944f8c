package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bastion/low-side/portal/guardlog"
)

// guardLogFile writes n chained lines, then extra raw text.
func guardLogFile(t *testing.T, n int, extra string) string {
	t.Helper()
	var b strings.Builder
	prev := guardlog.GenesisHash
	for i := range n {
		raw, h := guardlog.Encode(guardlog.Line{Time: time.Date(2012, 6, 21, 10, 0, i, 0, time.UTC),
			Seq: uint64(i + 1), BatchSeq: uint64(i + 1), Stage: "publish", Decision: guardlog.Reject,
			Reason: "r", Prev: prev})
		b.Write(raw)
		b.WriteByte('\n')
		prev = h
	}
	b.WriteString(extra)
	path := filepath.Join(t.TempDir(), "guard.log")
	os.WriteFile(path, []byte(b.String()), 0o600)
	return path
}

func TestReadGuardLog(t *testing.T) {
	evs, err := readGuardLog(guardLogFile(t, 3, ""))
	if err != nil || len(evs) != 3 || evs[2].Seq != 3 || evs[2].Decision != "reject" || len(evs[2].Hash) != 64 {
		t.Fatalf("readGuardLog = %+v, %v; want 3 records, the last seq 3, reject", evs, err)
	}
	tests := []struct{ name, extra, want string }{
		{"garbage", "not json\n", "guard log line 3: malformed"},
		{"too long", strings.Repeat("x", guardlog.MaxLineSize+10), "over"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := readGuardLog(guardLogFile(t, 2, tt.extra)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("readGuardLog error = %v, want %q", err, tt.want)
			}
		})
	}
	// A line removed from the middle breaks the chain.
	path := guardLogFile(t, 3, "")
	b, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(b), "\n")
	os.WriteFile(path, []byte(lines[0]+lines[2]), 0o600)
	if _, err := readGuardLog(path); err == nil || !strings.Contains(err.Error(), "line 2: hash chain broken") {
		t.Errorf("readGuardLog of a log missing a line = %v, want a broken chain at line 2", err)
	}
}
