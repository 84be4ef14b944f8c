package guard

import (
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"bastion/guard/auditlog"
	"bastion/guard/export"
	"bastion/shared/merkle"
)

// checked runs stages 1 to 7 on a batch as Enqueue does, without sending
// it to the committer, so a test can commit a group of its choice.
func (r *rig) checked(seq uint64, raw []byte) *candidate {
	r.t.Helper()
	c := &candidate{diodeSeq: seq, raw: raw}
	r.g.pipe.check(c)
	r.g.pipe.classify(c)
	return c
}

// outcomeLog collects outcomes in the order done is called.
type outcomeLog struct {
	mu  sync.Mutex
	got []string
}

func (o *outcomeLog) done(name string) func(Outcome, error) {
	return func(out Outcome, err error) {
		o.mu.Lock()
		defer o.mu.Unlock()
		s := name + " " + out.String()
		if err != nil {
			s += " error"
		}
		o.got = append(o.got, s)
	}
}

func TestGroupCommit(t *testing.T) {
	r := newRig(t)
	var group []*candidate
	var outs outcomeLog
	for i := range 3 {
		r.orders(2 + i)
		seq, raw := r.hs.Next(t)
		c := r.checked(seq, raw)
		c.done = outs.done(string(rune('a' + i)))
		group = append(group, c)
	}
	r.g.pipe.commit(group)

	want := []string{"a accepted", "b accepted", "c accepted"}
	if !slices.Equal(outs.got, want) {
		t.Fatalf("outcomes %v, want %v", outs.got, want)
	}
	if h := r.g.Head(); h.Records != 3 || h.Seq != 3 || h.Size != 9 {
		t.Fatalf("head %+v, want 3 records, seq 3, size 9", h)
	}
	// Every batch's lines are in stage order; the lines of stages 1 to 8
	// of the whole group precede every publish line (one commit, one sync
	// of the guard log, then one publication).
	var stages []string
	for _, l := range r.logLines() {
		if l.BatchSeq == 2 {
			stages = append(stages, l.Stage)
		}
	}
	if !slices.Equal(stages, order) {
		t.Fatalf("batch 2 log stages %v, want %v", stages, order)
	}
	checked := strings.Join(order[:8], " ")
	wantRuns := strings.Repeat(checked+" ", 3) + "publish publish publish"
	if got := stageRuns(r.logLines()); got != wantRuns {
		t.Fatalf("batch lines by stage:\n%s\nwant\n%s", got, wantRuns)
	}
	if rep := r.verifyExport(); !rep.OK() {
		t.Fatalf("verify after group commit: %+v", rep.Problems)
	}
	if sc := r.g.SelfCheck(); !sc.OK() || sc.Records != 3 {
		t.Fatalf("self-check = %v, want OK with 3 records", sc)
	}
}

// stageRuns lists the stages of the log's batch lines, space separated.
func stageRuns(lines []auditlog.Line) string {
	var s []string
	for _, l := range lines {
		if l.BatchSeq != 0 {
			s = append(s, l.Stage)
		}
	}
	return strings.Join(s, " ")
}

func TestGroupCommitFailsClosed(t *testing.T) {
	r := newRig(t)
	var group []*candidate
	var outs outcomeLog
	for i := range 3 {
		r.orders(2)
		seq, raw := r.hs.Next(t)
		c := r.checked(seq, raw)
		c.done = outs.done(string(rune('a' + i)))
		group = append(group, c)
	}
	group[1].tree = &merkle.Compact{} // the archive refuses it: wrong size
	r.g.pipe.commit(group)

	want := []string{"a rejected error", "b rejected error", "c rejected error"}
	if !slices.Equal(outs.got, want) {
		t.Fatalf("outcomes %v, want %v", outs.got, want)
	}
	if h := r.g.Head(); h.Records != 0 {
		t.Fatalf("archive has %d records, want 0: the group's transaction holds all or none", h.Records)
	}
	for seq := uint64(1); seq <= 3; seq++ {
		if _, err := os.Stat(export.BatchPath(r.cfg.ExportDir, seq)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("batch %d published after a failed commit (stat: %v)", seq, err)
		}
		if l := r.findLine(seq, StageArchive); l.Decision != auditlog.Reject {
			t.Fatalf("archive line of batch %d %+v, want a rejection", seq, l)
		}
	}
	select {
	case <-r.g.Failed():
	default:
		t.Fatal("Failed() not closed after a failed group commit")
	}
	r.orders(1)
	seq, raw := r.hs.Next(t)
	if _, err := r.g.Submit(seq, raw); !errors.Is(err, ErrStopped) {
		t.Fatalf("Submit after the failure = %v, want ErrStopped", err)
	}
}

func TestInflightRepeat(t *testing.T) {
	r := newRig(t)
	r.orders(3)
	b := r.hs.Batch(t)
	seq, raw := r.hs.Next(t)
	r.checked(seq, raw) // passed stages 1 to 7, not yet committed

	tests := []struct {
		name string
		raw  []byte
		want Outcome
		line string
	}{
		{"same range", r.hs.Sign(t, b), Repeat, "repeat of archived batch 1"},
		{"other range", func() []byte {
			b.Items, b.Checkpoint = b.Items[:1], r.hs.Note(t, 1)
			return r.hs.Sign(t, b)
		}(), Rejected, "conflicts with archived batch 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := r.checked(seq, tt.raw)
			last := c.recs[len(c.recs)-1]
			if c.outcome != tt.want || last.Stage != StageSequence || !strings.Contains(last.Reason, tt.line) {
				t.Fatalf("got %v with %s line %q, want %v with %q", c.outcome, last.Stage, last.Reason, tt.want, tt.line)
			}
		})
	}
}

func TestEnqueueBackToBack(t *testing.T) {
	r := newRig(t)
	var raws [][]byte
	for range 6 {
		r.orders(2)
		_, raw := r.hs.Next(t)
		raws = append(raws, raw)
	}
	var outs outcomeLog
	// 3 arrives before 2: held, then drained when 2 comes; 1 is resent.
	for i, seq := range []uint64{1, 3, 2, 1, 4, 5, 6} {
		r.g.Enqueue(seq, raws[seq-1], outs.done(string(rune('0'+i))))
	}
	if err := r.g.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	want := []string{"0 accepted", "1 held", "2 accepted", "3 repeat", "4 accepted", "5 accepted", "6 accepted"}
	if !slices.Equal(outs.got, want) {
		t.Fatalf("outcomes %v, want %v", outs.got, want)
	}
	if h := r.g.Head(); h.Seq != 6 || h.Size != 12 {
		t.Fatalf("head %+v, want seq 6, size 12", h)
	}
	if rep := r.verifyExport(); !rep.OK() {
		t.Fatalf("verify: %+v", rep.Problems)
	}
}
