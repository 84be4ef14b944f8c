package guard

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bastion/guard/auditlog"
	"bastion/guard/export"
	"bastion/guard/guardtest"
	"bastion/low-side/verify"
	"bastion/shared/batch"
	"bastion/shared/entry"
)

const testLink = "test-link"

// rig is a guard with its high side, in temporary folders.
type rig struct {
	t    *testing.T
	hs   *guardtest.HighSide
	cfg  *Config
	g    *Guard
	next int // next entry number
}

func newRig(t *testing.T) *rig {
	t.Helper()
	hs := guardtest.New(t, testLink)
	r := &rig{t: t, hs: hs, cfg: benchConfig(t, t.TempDir(), hs)}
	r.open()
	return r
}

func (r *rig) open() {
	r.t.Helper()
	g, err := Open(r.cfg, nil, nil)
	if err != nil {
		r.t.Fatalf("Open: %v", err)
	}
	r.g = g
	r.t.Cleanup(func() { g.Close() })
}

// benchConfig writes the high side's key below dir and returns a guard
// configuration with state and export folders there.
func benchConfig(t testing.TB, dir string, hs *guardtest.HighSide) *Config {
	t.Helper()
	keyFile := filepath.Join(dir, "high-side.pub")
	if err := os.WriteFile(keyFile, hs.KeyText(), 0o644); err != nil {
		t.Fatal(err)
	}
	return &Config{Link: testLink, Listen: "127.0.0.1:0", HPKEKeyFile: "unused",
		HighSideKeyFile: keyFile, ReleaseLabel: "confidential/trading",
		StateDir: filepath.Join(dir, "state"), ExportDir: filepath.Join(dir, "export"),
		Names: []string{"Ada Lovelace"}, DirtyWords: []string{"SECRET"}}
}

// orders appends n releasable orders to the high side.
func (r *rig) orders(n int) {
	for range n {
		r.hs.Append(r.t, guardtest.Order(r.t, r.next, entry.NewLabel(entry.Confidential, "trading")))
		r.next++
	}
}

// submit submits a batch and checks the outcome.
func (r *rig) submit(seq uint64, raw []byte, want Outcome) {
	r.t.Helper()
	got, err := r.g.Submit(seq, raw)
	if err != nil || got != want {
		r.t.Fatalf("Submit(%d) = %v, %v; want %v, nil\nlog tail:\n%s", seq, got, err, want, r.logTail(12))
	}
}

// logLines returns the decoded guard log.
func (r *rig) logLines() []auditlog.Line {
	r.t.Helper()
	data, err := os.ReadFile(filepath.Join(r.cfg.StateDir, LogFile))
	if err != nil {
		r.t.Fatal(err)
	}
	var out []auditlog.Line
	for _, l := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		line, err := auditlog.Decode(l)
		if err != nil {
			r.t.Fatalf("guard log line does not decode: %v", err)
		}
		out = append(out, line)
	}
	return out
}

func (r *rig) logTail(n int) string {
	lines := r.logLines()
	var b strings.Builder
	for _, l := range lines[max(0, len(lines)-n):] {
		b.WriteString(l.Stage + " " + string(l.Decision) + " " + l.Reason + "\n")
	}
	return b.String()
}

// findLine returns the last log line of batchSeq at stage.
func (r *rig) findLine(batchSeq uint64, stage string) auditlog.Line {
	r.t.Helper()
	lines := r.logLines()
	for i := len(lines) - 1; i >= 0; i-- {
		if lines[i].BatchSeq == batchSeq && lines[i].Stage == stage {
			return lines[i]
		}
	}
	r.t.Fatalf("no log line for batch %d at stage %s\n%s", batchSeq, stage, r.logTail(20))
	return auditlog.Line{}
}

// verifyExport runs the offline verifier over the export directory.
func (r *rig) verifyExport() *verify.Report {
	r.t.Helper()
	key, err := verify.ParseKey(r.hs.KeyText())
	if err != nil {
		r.t.Fatal(err)
	}
	rep, err := verify.Archive(r.cfg.ExportDir, key, batch.Limits{})
	if err != nil {
		r.t.Fatal(err)
	}
	return rep
}

func TestAcceptPublishVerify(t *testing.T) {
	r := newRig(t)
	r.orders(3)
	r.hs.AppendHidden(t, guardtest.Order(t, 99, entry.NewLabel(entry.Secret, "trading")))
	seq, raw := r.hs.Next(t)
	r.submit(seq, raw, Accepted)
	r.orders(5)
	seq2, raw2 := r.hs.Next(t)
	r.submit(seq2, raw2, Accepted)

	h := r.g.Head()
	if h.Records != 2 || h.Seq != 2 || h.Size != 9 || h.Root != r.hs.Root(t, 9) {
		t.Fatalf("head = %+v, want 2 records up to seq 2, size 9, the high side's root", h)
	}
	got, err := os.ReadFile(export.BatchPath(r.cfg.ExportDir, 2))
	if err != nil || !bytes.Equal(got, raw2) {
		t.Fatalf("published batch 2 differs from the bytes received (err %v)", err)
	}
	if fi, _ := os.Stat(export.BatchPath(r.cfg.ExportDir, 2)); fi.Mode().Perm() != 0o444 {
		t.Fatalf("batch file mode %v, want 0444", fi.Mode().Perm())
	}
	for i, st := range order {
		l := r.logLines()[len(r.logLines())-len(order)+i]
		if l.Stage != st || l.Decision != auditlog.Accept || l.BatchSeq != 2 || l.LedgerFirst != 4 || l.LedgerSize != 9 {
			t.Fatalf("log line %d = %+v, want stage %s accept for batch 2 covering 4 to 9", i, l, st)
		}
	}
	if rep := r.verifyExport(); !rep.OK() || rep.Batches != 2 || rep.Size != 9 || rep.Entries != 8 {
		t.Fatalf("verify report = %+v, want OK with 2 batches, size 9, 8 entries", rep)
	}
}

func TestForgedSignatureThenGenuine(t *testing.T) {
	r := newRig(t)
	r.orders(2)
	seq, raw := r.hs.Next(t)
	forged := bytes.Clone(raw)
	forged[len(forged)-10] ^= 0x01 // inside the signature
	r.submit(seq, forged, Rejected)
	if l := r.findLine(seq, StageSignature); l.Decision != auditlog.Reject {
		t.Fatalf("signature line = %+v, want a rejection", l)
	}
	r.submit(seq, raw, Accepted) // the carousel's resend
	if rej, _ := r.g.arch.Rejections(); len(rej) != 1 || rej[0].Stage != StageSignature || rej[0].BatchSeq != seq {
		t.Fatalf("rejections = %+v, want one at the signature stage for batch %d", rej, seq)
	}
}

func TestAboveReleaseLabelWithheldStreamContinues(t *testing.T) {
	r := newRig(t)
	r.orders(1)
	r.hs.Append(t, guardtest.Order(t, 50, entry.NewLabel(entry.Secret, "trading")))
	seq, raw := r.hs.Next(t)
	r.submit(seq, raw, Withheld)
	l := r.findLine(seq, StageSchema)
	if l.Decision != auditlog.Reject || !strings.Contains(l.Reason, "ledger index 1: label secret/trading is above the release label") {
		t.Fatalf("schema line = %+v, want a rejection naming index 1 and the label", l)
	}
	if _, err := os.Stat(export.BatchPath(r.cfg.ExportDir, seq)); !os.IsNotExist(err) {
		t.Fatalf("the refused batch was published in full (stat error %v)", err)
	}
	arch, _, _ := r.g.arch.Get(seq)
	if arch == nil || bytes.Contains(arch.File, []byte("o-50")) {
		t.Fatalf("archive keeps the refused entry or nothing")
	}

	r.orders(2)
	seq2, raw2 := r.hs.Next(t)
	r.submit(seq2, raw2, Accepted)
	if rep := r.verifyExport(); !rep.OK() || rep.Withheld != 1 || rep.Size != 4 {
		t.Fatalf("verify report = %+v, want OK, 1 withheld, size 4", rep)
	}
}

func TestContentScan(t *testing.T) {
	tests := []struct {
		name, note, want string
	}{
		{"dirty word inside a word (G1)", "xSECRET plan", "dirty_word in body.note"},
		{"card number", "card 4111 1111 1111 1111", "card_number in body.note"},
		{"ssn", "ssn 078-05-1120", "ssn_tin in body.note"},
		{"email", "ask ada@example.com", "email in body.note"},
		{"name", "per ada lovelace", "personal_name in body.note"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.hs.Append(t, guardtest.Approval(t, 1, tt.note))
			seq, raw := r.hs.Next(t)
			r.submit(seq, raw, Withheld)
			l := r.findLine(seq, StageScan)
			if l.Decision != auditlog.Reject || !strings.HasSuffix(l.Reason, tt.want) {
				t.Fatalf("scan line reason %q, want a rejection ending %q", l.Reason, tt.want)
			}
			data, _ := os.ReadFile(filepath.Join(r.cfg.StateDir, LogFile))
			if bytes.Contains(data, []byte(tt.note)) {
				t.Fatalf("the guard log contains the matched value")
			}
		})
	}
}

func TestInvalidUTF8Rejected(t *testing.T) {
	r := newRig(t)
	r.hs.Append(t, []byte("{\"v\":1,\"note\":\"\xff SECRET\"}"))
	seq, raw := r.hs.Next(t)
	r.submit(seq, raw, Withheld)
	if l := r.findLine(seq, StageScan); !strings.Contains(l.Reason, "invalid_utf8") {
		t.Fatalf("scan line %+v, want invalid_utf8", l)
	}
	if l := r.findLine(seq, StageSchema); l.Decision != auditlog.Reject {
		t.Fatalf("schema line %+v, want a rejection (G2: not an entry)", l)
	}
}

func TestHoldThenDrain(t *testing.T) {
	r := newRig(t)
	var raws [][]byte
	for range 4 {
		r.orders(2)
		_, raw := r.hs.Next(t)
		raws = append(raws, raw)
	}
	r.submit(3, raws[2], Held)
	r.submit(2, raws[1], Held)
	if l := r.findLine(3, StageSequence); l.Decision != auditlog.Hold {
		t.Fatalf("sequence line %+v, want hold", l)
	}
	r.submit(1, raws[0], Accepted)
	if h := r.g.Head(); h.Seq != 3 || r.g.pipe.Pending() != 0 {
		t.Fatalf("after the gap filled: head seq %d, %d pending; want 3, 0", h.Seq, r.g.pipe.Pending())
	}
	r.submit(4, raws[3], Accepted)
	r.submit(2, raws[1], Repeat)
}

func TestPendingBounded(t *testing.T) {
	r := newRig(t)
	r.g.pipe.pending = newPending(2, 1<<30)
	var raws [][]byte
	for range 5 {
		r.orders(1)
		_, raw := r.hs.Next(t)
		raws = append(raws, raw)
	}
	for _, seq := range []uint64{5, 3, 4} {
		r.submit(seq, raws[seq-1], Held)
	}
	if got := r.g.pipe.Pending(); got != 2 {
		t.Fatalf("pending = %d, want 2", got)
	}
	if l := r.findLine(5, StageSequence); l.Decision != auditlog.Event || !strings.Contains(l.Reason, "dropped") {
		t.Fatalf("drop line %+v, want an event naming the dropped batch 5", l)
	}
	r.submit(1, raws[0], Accepted)
	r.submit(2, raws[1], Accepted)
	if h := r.g.Head(); h.Seq != 4 {
		t.Fatalf("head seq %d, want 4 (3 and 4 drained, 5 awaits a resend)", h.Seq)
	}
	r.submit(5, raws[4], Accepted)
}

func TestRepeatAndConflict(t *testing.T) {
	r := newRig(t)
	r.orders(2)
	b := r.hs.Batch(t)
	seq, raw := r.hs.Next(t)
	r.submit(seq, raw, Accepted)
	r.submit(seq, r.hs.Sign(t, b), Repeat) // re-signed after a failover: same content
	b.Items = b.Items[:1]
	b.Checkpoint = r.hs.Note(t, 1)
	r.submit(seq, r.hs.Sign(t, b), Rejected)
	if l := r.findLine(seq, StageSequence); !strings.Contains(l.Reason, "conflicts with archived batch") {
		t.Fatalf("sequence line %+v, want a conflict", l)
	}
}

func TestStageOrderEnforced(t *testing.T) {
	r := newRig(t)
	p := r.g.pipe
	p.stages = append(p.stages[:6:6], p.stages[7:]...) // no scan stage
	r.orders(1)
	seq, raw := r.hs.Next(t)
	_, err := r.g.Submit(seq, raw)
	if !errors.Is(err, ErrStopped) {
		t.Fatalf("Submit without the scan stage = %v, want ErrStopped", err)
	}
	if h := r.g.Head(); h.Records != 0 {
		t.Fatalf("archive has %d records, want 0", h.Records)
	}
	if l := r.findLine(seq, StageArchive); !strings.Contains(l.Reason, "stages not run in order") {
		t.Fatalf("archive line %+v, want the order check", l)
	}
	select {
	case <-r.g.Failed():
	default:
		t.Fatal("Failed() not closed after a storage-stage failure")
	}
}

func TestRestartContinues(t *testing.T) {
	r := newRig(t)
	r.orders(3)
	seq, raw := r.hs.Next(t)
	r.submit(seq, raw, Accepted)
	r.orders(2)
	_, raw2 := r.hs.Next(t)
	r.g.Close()

	os.Remove(export.BatchPath(r.cfg.ExportDir, seq)) // lost before publish
	r.open()
	if h := r.g.Head(); h.Seq != 1 || h.Size != 3 {
		t.Fatalf("reopened head %+v, want seq 1, size 3", h)
	}
	r.submit(2, raw2, Accepted)
	r.submit(1, raw, Repeat)
	if sc := r.g.SelfCheck(); !sc.OK() || sc.Records != 2 || sc.Size != 5 {
		t.Fatalf("self-check = %v, want OK with 2 records, size 5", sc)
	}
	if l := r.findLine(0, "selfcheck"); !strings.HasPrefix(l.Reason, "self-check passed") {
		t.Fatalf("self-check line %+v, want a pass", l)
	}
	if rep := r.verifyExport(); !rep.OK() {
		t.Fatalf("verify after restart: %+v", rep.Problems)
	}
}

type entryLabel = entry.Label

func mustLabel(t *testing.T, s string) entry.Label {
	l, err := entry.ParseLabel(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
