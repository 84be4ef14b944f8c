package fsm_test

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"testing"

	"bastion/high-side/node/fsm"
	"bastion/shared/entry"
	"bastion/shared/merkle"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/raft"
)

// loginEntry returns a canonical login entry with the given ID.
func loginEntry(t testing.TB, id string) []byte {
	t.Helper()
	body, err := entry.NewBody(entry.Login{Subject: "alice", Method: "password", Result: "success", Station: "desk-1"})
	if err != nil {
		t.Fatal(err)
	}
	e := entry.Envelope{Version: entry.Version, Type: entry.TypeLogin, ID: id, Time: 1_700_000_000_000_000_000,
		Actor: "alice", Label: entry.NewLabel(entry.Internal), Body: body}
	b, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func item(t testing.TB, id string) fsm.Item {
	return fsm.Item{ID: id, Entry: loginEntry(t, id), Openings: []byte("[]"), Receipt: []byte(`{"id":"` + id + `"}`)}
}

func appendCmd(t testing.TB, ids ...string) []byte {
	a := &fsm.Append{}
	for _, id := range ids {
		a.Items = append(a.Items, item(t, id))
	}
	return fsm.Encode(a)
}

// machine is an FSM under test with the raft log index it has reached.
type machine struct {
	*fsm.FSM
	path  string
	index uint64
}

func open(t testing.TB, path string) *machine {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "state.db")
	}
	f, err := fsm.Open(path, fsm.Options{NoSync: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return &machine{FSM: f, path: path, index: f.AppliedIndex()}
}

// apply applies cmds as one raft batch of consecutive logs.
func (m *machine) apply(cmds ...[]byte) []any {
	logs := make([]*raft.Log, len(cmds))
	for i, c := range cmds {
		m.index++
		logs[i] = &raft.Log{Index: m.index, Term: 1, Type: raft.LogCommand, Data: c}
	}
	return m.ApplyBatch(logs)
}

func indexes(t *testing.T, resp any) []uint64 {
	t.Helper()
	r, ok := resp.(*fsm.AppendResult)
	if !ok {
		t.Fatalf("response %v (%T), want *AppendResult", resp, resp)
	}
	var out []uint64
	for _, x := range r.Results {
		out = append(out, x.Index)
	}
	return out
}

func TestAppendAndDuplicates(t *testing.T) {
	m := open(t, "")
	got := m.apply(appendCmd(t, "a", "b", "c"), appendCmd(t, "d", "b", "d"))
	if diff := cmp.Diff([]uint64{0, 1, 2}, indexes(t, got[0])); diff != "" {
		t.Errorf("first command indexes (-want +got):\n%s", diff)
	}
	second := got[1].(*fsm.AppendResult).Results
	want := []fsm.Result{
		{Index: 3, Receipt: []byte(`{"id":"d"}`)},
		{Index: 1, Duplicate: true, Receipt: []byte(`{"id":"b"}`)},
		{Index: 3, Duplicate: true, Receipt: []byte(`{"id":"d"}`)},
	}
	if diff := cmp.Diff(want, second); diff != "" {
		t.Errorf("second command results (-want +got):\n%s", diff)
	}
	if m.LedgerSize() != 4 || m.AppliedIndex() != 2 {
		t.Errorf("ledger size %d applied %d, want 4 and 2", m.LedgerSize(), m.AppliedIndex())
	}
	r, ok, err := m.Receipt("d")
	if err != nil || !ok || r.Index != 3 {
		t.Errorf("Receipt(d) = %+v, %v, %v; want index 3", r, ok, err)
	}
}

func TestApplyRejectsBadCommands(t *testing.T) {
	bad := item(t, "x")
	bad.Entry = bytes.Replace(bad.Entry, []byte(`"v":1`), []byte(`"v": 1`), 1)
	mismatch := item(t, "x")
	mismatch.ID = "y"
	tests := []struct {
		name string
		cmd  []byte
		want error
	}{
		{"empty", nil, fsm.ErrMalformedCommand},
		{"unknown version", []byte{9, 1, 0}, fsm.ErrMalformedCommand},
		{"unknown kind", []byte{1, 9}, fsm.ErrMalformedCommand},
		{"no items", []byte{1, 1, 0}, fsm.ErrMalformedCommand},
		{"truncated", appendCmd(t, "x")[:20], fsm.ErrMalformedCommand},
		{"trailing data", append(appendCmd(t, "x"), 0), fsm.ErrMalformedCommand},
		{"bad id", fsm.Encode(&fsm.Append{Items: []fsm.Item{{ID: "a b", Entry: loginEntry(t, "x")}}}), fsm.ErrBadItem},
		{"non-canonical entry", fsm.Encode(&fsm.Append{Items: []fsm.Item{item(t, "ok"), bad}}), fsm.ErrBadItem},
		{"entry id mismatch", fsm.Encode(&fsm.Append{Items: []fsm.Item{mismatch}}), fsm.ErrBadItem},
		{"export before anything", fsm.Encode(&fsm.AdvanceExport{Link: "diode", Record: fsm.ExportRecord{Seq: 1, Size: 5, Checkpoint: []byte("cp")}}), fsm.ErrExportOrder},
		{"config bad key", fsm.Encode(&fsm.ConfigChange{Key: "", Item: item(t, "cfg")}), fsm.ErrBadItem},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := open(t, "")
			got := m.apply(appendCmd(t, "first"), tt.cmd, appendCmd(t, "last"))
			err, ok := got[1].(error)
			if !ok || !errors.Is(err, tt.want) {
				t.Fatalf("response %v, want error wrapping %v", got[1], tt.want)
			}
			if diff := cmp.Diff([]uint64{1}, indexes(t, got[2])); diff != "" {
				t.Errorf("command after the bad one (-want +got):\n%s", diff)
			}
			if m.LedgerSize() != 2 {
				t.Errorf("ledger size %d, want 2: the bad command must change nothing", m.LedgerSize())
			}
			if _, ok, _ := m.Receipt("ok"); ok {
				t.Error("an item of the rejected command was recorded")
			}
		})
	}
}

func TestReplayAfterRestartSkipsApplied(t *testing.T) {
	m := open(t, "")
	m.apply(appendCmd(t, "a"), appendCmd(t, "b"))
	m.Close()

	again := open(t, m.path)
	if again.AppliedIndex() != 2 {
		t.Fatalf("applied index after reopen %d, want 2", again.AppliedIndex())
	}
	again.index = 0 // raft replays from the start of its log
	got := again.apply(appendCmd(t, "a"), appendCmd(t, "b"), appendCmd(t, "c"))
	if got[0] != nil || got[1] != nil {
		t.Errorf("replayed logs got responses %v, %v; want nil", got[0], got[1])
	}
	if diff := cmp.Diff([]uint64{2}, indexes(t, got[2])); diff != "" {
		t.Errorf("new log (-want +got):\n%s", diff)
	}
}

func TestExportCursor(t *testing.T) {
	m := open(t, "")
	m.apply(appendCmd(t, "a", "b", "c"))
	rec := func(seq, first, size uint64) []byte {
		return fsm.Encode(&fsm.AdvanceExport{Link: "diode-a", Record: fsm.ExportRecord{Seq: seq, First: first, Size: size, Checkpoint: []byte("note")}})
	}
	tests := []struct {
		name    string
		cmd     []byte
		wantErr bool
	}{
		{"first batch", rec(1, 0, 2), false},
		{"same seq again", rec(1, 0, 2), true},
		{"gap in seq", rec(3, 2, 3), true},
		{"gap in range", rec(2, 1, 3), true},
		{"beyond ledger", rec(2, 2, 4), true},
		{"next batch", rec(2, 2, 3), false},
		{"empty batch", rec(3, 3, 3), false},
	}
	for _, tt := range tests {
		got := m.apply(tt.cmd)[0]
		_, isErr := got.(error)
		if isErr != tt.wantErr {
			t.Errorf("%s: response %v, want error %v", tt.name, got, tt.wantErr)
		}
	}
	last, ok, err := m.LastExport("diode-a")
	want := fsm.ExportRecord{Seq: 3, First: 3, Size: 3, Checkpoint: []byte("note")}
	if err != nil || !ok || !cmp.Equal(last, want) {
		t.Errorf("LastExport = %+v, %v, %v; want %+v", last, ok, err, want)
	}
	if r, ok, _ := m.Export("diode-a", 1); !ok || r.Size != 2 {
		t.Errorf("Export(1) = %+v, %v; want size 2", r, ok)
	}
}

func TestConfigChange(t *testing.T) {
	m := open(t, "")
	cmd := fsm.Encode(&fsm.ConfigChange{Key: "rule-pack", Content: []byte("v2 rules"), Item: item(t, "cfg-1")})
	got := m.apply(cmd)
	if diff := cmp.Diff([]uint64{0}, indexes(t, got[0])); diff != "" {
		t.Errorf("config entry (-want +got):\n%s", diff)
	}
	m.apply(fsm.Encode(&fsm.ConfigChange{Key: "rule-pack", Content: []byte("replayed"), Item: item(t, "cfg-1")}))
	v, ok, err := m.Config("rule-pack")
	if err != nil || !ok || string(v) != "v2 rules" {
		t.Errorf("Config = %q, %v, %v; want \"v2 rules\" (a duplicate must not overwrite)", v, ok, err)
	}
}

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	src := open(t, "")
	src.apply(appendCmd(t, "a", "b"), appendCmd(t, "c"),
		fsm.Encode(&fsm.AdvanceExport{Link: "l", Record: fsm.ExportRecord{Seq: 1, Size: 3, Checkpoint: []byte("n")}}))
	var buf bytes.Buffer
	persist(t, src.FSM, &buf)
	src.apply(appendCmd(t, "after-snapshot"))

	dst := open(t, "")
	dst.apply(appendCmd(t, "to-be-replaced"))
	if err := dst.Restore(io.NopCloser(&buf)); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if dst.AppliedIndex() != 3 || dst.LedgerSize() != 3 {
		t.Errorf("restored applied %d size %d, want 3 and 3", dst.AppliedIndex(), dst.LedgerSize())
	}
	srcRoot := rootAt(t, src, 3)
	if got := rootAt(t, dst, 3); got != srcRoot {
		t.Errorf("restored root %v, want %v", got, srcRoot)
	}
	if _, ok, _ := dst.Receipt("to-be-replaced"); ok {
		t.Error("state from before the restore survived it")
	}
	if r, ok, _ := dst.LastExport("l"); !ok || r.Size != 3 {
		t.Errorf("restored export cursor %+v, %v; want size 3", r, ok)
	}

	// The restored machine keeps applying.
	dst.index = 3
	if diff := cmp.Diff([]uint64{3}, indexes(t, dst.apply(appendCmd(t, "d"))[0])); diff != "" {
		t.Errorf("apply after restore (-want +got):\n%s", diff)
	}
}

func TestRestoreRejectsGarbage(t *testing.T) {
	tests := map[string][]byte{
		"empty":         nil,
		"wrong magic":   []byte("not a snapshot at all, really not"),
		"magic no file": []byte("bastion-fsm-snapshot-v1\nxxxx"),
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			m := open(t, "")
			m.apply(appendCmd(t, "a"))
			if err := m.Restore(io.NopCloser(bytes.NewReader(data))); !errors.Is(err, fsm.ErrBadSnapshot) {
				t.Fatalf("Restore error %v, want ErrBadSnapshot", err)
			}
			if m.LedgerSize() != 1 {
				t.Errorf("ledger size %d after a failed restore, want 1", m.LedgerSize())
			}
			if got := indexes(t, m.apply(appendCmd(t, "b"))[0]); got[0] != 1 {
				t.Errorf("apply after failed restore landed at %d, want 1", got[0])
			}
		})
	}
}

func rootAt(t *testing.T, m *machine, size uint64) merkle.Hash {
	t.Helper()
	r, err := m.Ledger().Root(size)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// sink is a raft.SnapshotSink over a buffer.
type sink struct {
	io.Writer
	cancelled bool
}

func (s *sink) ID() string    { return "test" }
func (s *sink) Cancel() error { s.cancelled = true; return nil }
func (s *sink) Close() error  { return nil }

func persist(t *testing.T, f *fsm.FSM, w io.Writer) {
	t.Helper()
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	defer snap.Release()
	if err := snap.Persist(&sink{Writer: w}); err != nil {
		t.Fatalf("Persist: %v", err)
	}
}

func TestEntryChecks(t *testing.T) {
	good := loginEntry(t, "e-1")
	tests := []struct {
		name   string
		id     string
		entry  []byte
		shape  bool // CheckEntryShape accepts
		parsed bool // CheckEntry accepts
	}{
		{"canonical", "e-1", good, true, true},
		{"other id", "e-2", good, false, false},
		{"id prefix only", "e-", good, false, false},
		{"space after colon", "e-1", bytes.Replace(good, []byte(`"v":1`), []byte(`"v": 1`), 1), false, false},
		{"truncated", "e-1", good[:len(good)-1], false, false},
		{"version 2", "e-1", bytes.Replace(good, []byte(`"v":1`), []byte(`"v":2`), 1), false, false},
		{"empty", "e-1", nil, false, false},
		{"unknown field after the head", "e-1", bytes.Replace(good, []byte(`"actor"`), []byte(`"x":0,"actor"`), 1), true, false},
	}
	for _, tt := range tests {
		if got := fsm.CheckEntryShape(tt.id, tt.entry) == nil; got != tt.shape {
			t.Errorf("%s: CheckEntryShape accepts = %v, want %v", tt.name, got, tt.shape)
		}
		if got := fsm.CheckEntry(tt.id, tt.entry) == nil; got != tt.parsed {
			t.Errorf("%s: CheckEntry accepts = %v, want %v", tt.name, got, tt.parsed)
		}
	}
}
