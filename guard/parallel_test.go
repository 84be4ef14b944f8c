package guard

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"bastion/guard/auditlog"
	"bastion/guard/guardtest"
)

// TestFirstFailing requires the smallest failing index whatever the number
// of goroutines, and every index checked when none fails.
func TestFirstFailing(t *testing.T) {
	tests := []struct {
		n    int
		bad  []int
		want int
	}{
		{0, nil, -1}, {1, []int{0}, 0}, {10, nil, -1}, {1000, nil, -1},
		{1000, []int{999}, 999}, {1000, []int{700, 3}, 3}, {1000, []int{500, 501, 999}, 500},
		{4096, []int{4095, 1024, 2048}, 1024},
	}
	for _, procs := range []int{1, 2, 7} {
		prev := runtime.GOMAXPROCS(procs)
		for _, tt := range tests {
			t.Run(fmt.Sprintf("procs=%d/n=%d/bad=%v", procs, tt.n, tt.bad), func(t *testing.T) {
				bad := map[int]bool{}
				for _, i := range tt.bad {
					bad[i] = true
				}
				for range 20 {
					if got := firstFailing(tt.n, func(i int) bool { return !bad[i] }); got != tt.want {
						t.Fatalf("firstFailing = %d, want %d", got, tt.want)
					}
				}
			})
		}
		runtime.GOMAXPROCS(prev)
	}
}

// TestContentRefusalFirstByIndex puts two refused entries in a batch large
// enough to be checked in parallel and requires the lower ledger index in
// the log, for the scan and the schema stage, with one and two goroutines.
func TestContentRefusalFirstByIndex(t *testing.T) {
	tests := []struct {
		name   string
		bad    func(t *testing.T, i int) []byte
		stage  string
		reason string
	}{
		{"scan", func(t *testing.T, i int) []byte { return guardtest.Approval(t, i, "card 4111 1111 1111 1111") },
			StageScan, "card_number in body.note"},
		{"schema", func(t *testing.T, i int) []byte {
			return guardtest.Order(t, i, mustLabel(t, "secret/trading"))
		}, StageSchema, "above the release label"},
	}
	for _, procs := range []int{1, 2} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/procs=%d", tt.name, procs), func(t *testing.T) {
				prev := runtime.GOMAXPROCS(procs)
				defer runtime.GOMAXPROCS(prev)
				r := newRig(t)
				for i := range 400 {
					e := guardtest.Order(t, i, guardtest.Releasable)
					if i == 170 || i == 390 {
						e = tt.bad(t, i)
					}
					r.hs.Append(t, e)
				}
				seq, raw := r.hs.Next(t)
				r.submit(seq, raw, Withheld)
				l := r.findLine(seq, tt.stage)
				want := "entry at ledger index 170: "
				if l.Decision != auditlog.Reject || !strings.HasPrefix(l.Reason, want) ||
					!strings.Contains(l.Reason, tt.reason) {
					t.Fatalf("%s line = %s %q, want reject %q...%q", tt.stage, l.Decision, l.Reason, want, tt.reason)
				}
			})
		}
	}
}

// TestSchemaFallback sends entries that the fast schema proof leaves to
// entry.Parse (non-ASCII and escaped text) and requires them accepted.
func TestSchemaFallback(t *testing.T) {
	r := newRig(t)
	r.orders(2)
	r.hs.Append(t, guardtest.Approval(t, 1, "café crème"), guardtest.Approval(t, 2, "a \"quoted\" <note>"))
	seq, raw := r.hs.Next(t)
	r.submit(seq, raw, Accepted)
}
