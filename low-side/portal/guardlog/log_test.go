package guardlog

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// writeLog appends data to the log file at path.
func appendLog(t *testing.T, path string, data ...[]byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, d := range data {
		if _, err := f.Write(d); err != nil {
			t.Fatal(err)
		}
	}
}

// standardLog writes: batches 1 and 2 delivered, 3 rejected at the
// signature stage, 4 delivered, one diode event.
func standardLog(t *testing.T) (string, *chain) {
	path := filepath.Join(t.TempDir(), "guard.log")
	c := &chain{}
	appendLog(t, path,
		c.next(1, "signature", Accept, ""), c.next(1, "publish", Accept, ""),
		c.next(2, "signature", Accept, ""), c.next(2, "publish", Accept, ""),
		c.next(3, "signature", Reject, "signature does not verify"),
		c.next(0, "diode", Event, "gap reported"),
		c.next(4, "signature", Accept, ""), c.next(4, "publish", Accept, ""),
	)
	return path, c
}

func TestLogHealth(t *testing.T) {
	path, _ := standardLog(t)
	l := New(path, 0)
	if err := l.Refresh(); err != nil {
		t.Fatal(err)
	}
	h := l.Health()
	checks := []struct {
		name      string
		got, want any
	}{
		{"lines", h.Lines, uint64(8)},
		{"last batch", h.LastBatch, uint64(4)},
		{"gaps", h.Gaps, []Range{{First: 3, Last: 3}}},
		{"rejections", h.Rejections, uint64(1)},
		{"events", h.Events, uint64(1)},
		{"faults", h.Faults, uint64(0)},
		{"recent reason", h.Recent[0].Reason, "signature does not verify"},
	}
	for _, c := range checks {
		if !cmp.Equal(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestLogFollowsAppends(t *testing.T) {
	path, c := standardLog(t)
	l := New(path, 0)
	if err := l.Refresh(); err != nil {
		t.Fatal(err)
	}
	line := c.next(5, "labels", Reject, "label above release")
	appendLog(t, path, line[:20])
	if err := l.Refresh(); err != nil {
		t.Fatal(err)
	}
	if got := l.Query(Filter{Decision: Reject}, 10); len(got) != 1 {
		t.Fatalf("after a partial line: %d rejections, want 1", len(got))
	}
	appendLog(t, path, line[20:])
	if err := l.Refresh(); err != nil {
		t.Fatal(err)
	}
	got := l.Query(Filter{Decision: Reject}, 10)
	if len(got) != 2 || got[0].BatchSeq != 5 {
		t.Fatalf("after the line completed: %+v, want batch 5 first of 2", got)
	}
	if h := l.Health(); h.Faults != 0 {
		t.Errorf("faults = %d, want 0: %v", h.Faults, h.LastFaults)
	}
}

func TestLogFaults(t *testing.T) {
	path, c := standardLog(t)
	c.next(9, "x", Accept, "") // skipped: breaks the chain
	appendLog(t, path, []byte("not json\n"), c.next(5, "publish", Accept, ""))
	l := New(path, 0)
	if err := l.Refresh(); err != nil {
		t.Fatal(err)
	}
	h := l.Health()
	if h.Faults != 2 || h.Lines != 9 {
		t.Fatalf("faults %d, lines %d; want 2 faults (bad line, broken chain) and 9 lines", h.Faults, h.Lines)
	}
	if got := h.LastFaults[1].Line; got != 9 {
		t.Errorf("first fault on line %d, want 9", got)
	}
}

func TestLogReplacedFile(t *testing.T) {
	path, _ := standardLog(t)
	l := New(path, 0)
	if err := l.Refresh(); err != nil {
		t.Fatal(err)
	}
	var c chain
	if err := os.WriteFile(path, c.next(1, "signature", Accept, ""), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := l.Refresh(); err != nil {
		t.Fatal(err)
	}
	if h := l.Health(); h.Lines != 1 || h.Faults != 0 {
		t.Errorf("after replacement: %d lines, %d faults; want 1 and 0", h.Lines, h.Faults)
	}
}

func TestLogRetain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "guard.log")
	var c chain
	for i := uint64(1); i <= 50; i++ {
		appendLog(t, path, c.next(i, "publish", Accept, ""))
	}
	l := New(path, 10)
	if err := l.Refresh(); err != nil {
		t.Fatal(err)
	}
	got := l.Query(Filter{}, 100)
	if len(got) != 10 || got[0].BatchSeq != 50 || got[9].BatchSeq != 41 {
		t.Errorf("retained %d lines from batch %d, want 10 from 50 down to 41", len(got), got[0].BatchSeq)
	}
	if h := l.Health(); h.Lines != 50 || h.LastBatch != 50 {
		t.Errorf("health counts %d lines to batch %d, want 50 and 50", h.Lines, h.LastBatch)
	}
}

func TestFilter(t *testing.T) {
	path, c := standardLog(t)
	appendLog(t, path, c.next(6, "labels", Hold, "' OR 1=1 --"))
	l := New(path, 0)
	if err := l.Refresh(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query string
		want  []uint64 // batch sequences, newest first
	}{
		{"", []uint64{6, 4, 4, 0, 3, 2, 2, 1, 1}},
		{"decision=reject", []uint64{3}},
		{"stage=publish", []uint64{4, 2, 1}},
		{"from=2&to=3", []uint64{3, 2, 2}},
		{"text=SIGNATURE+does", []uint64{3}},
		{"text=%27+OR+1%3D1+--", []uint64{6}},
		{"stage=%27+OR+1%3D1+--", nil},
		{"text=%25", nil},
		{"stage=publish%27+OR+%271%27%3D%271", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			f, err := ParseFilter(q)
			if err != nil {
				t.Fatal(err)
			}
			var got []uint64
			for _, ln := range l.Query(f, 100) {
				got = append(got, ln.BatchSeq)
			}
			if !cmp.Equal(got, tt.want) {
				t.Errorf("got batches %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseFilterRejects(t *testing.T) {
	for _, query := range []string{"decision=REJECT", "decision=%27+OR+1%3D1", "from=-1", "to=1e3", "from=x", "text=%ff%fe", "stage=ok%c3"} {
		t.Run(query, func(t *testing.T) {
			q, _ := url.ParseQuery(query)
			if _, err := ParseFilter(q); err == nil {
				t.Errorf("ParseFilter(%s) succeeded, want an error", query)
			}
		})
	}
}
