package auditlog

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func openTest(t testing.TB, path string) *Log {
	t.Helper()
	l, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	l.now = func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC) }
	return l
}

func TestAppendReopenVerify(t *testing.T) {
	path := filepath.Join(t.TempDir(), "guard.log")
	l := openTest(t, path)
	if err := l.AppendAll([]Record{
		{BatchSeq: 1, Stage: "limits", Decision: Accept, LedgerFirst: 0, LedgerSize: 3},
		{BatchSeq: 1, Stage: "signature", Decision: Reject, Reason: "bad signature", LedgerSize: 3},
	}); err != nil {
		t.Fatal(err)
	}
	seq1, head1 := l.Head()
	l.Close()
	if err := l.Append(Record{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close = %v, want ErrClosed", err)
	}

	l = openTest(t, path)
	if seq, head := l.Head(); seq != 2 || head != head1 || seq1 != 2 {
		t.Fatalf("reopened head = %d %s, want 2 %s", seq, head, head1)
	}
	if err := l.Append(Record{Stage: "diode", Decision: Event, Reason: "gap"}); err != nil {
		t.Fatal(err)
	}
	l.Close()

	data, _ := os.ReadFile(path)
	n, _, err := Verify(bytes.NewReader(data))
	if err != nil || n != 3 {
		t.Fatalf("Verify = %d, %v; want 3 lines, nil", n, err)
	}
	first, _ := Decode(bytes.SplitN(data, []byte("\n"), 2)[0])
	want := `{"time":"2025-01-02T03:04:05.000000006Z","seq":1,"batch_seq":1,"stage":"limits",` +
		`"decision":"accept","reason":"","ledger_first":0,"ledger_size":3,"prev":"` + GenesisHash + `"`
	if !strings.HasPrefix(string(data), want) || first.Seq != 1 {
		t.Fatalf("first line = %s\nwant prefix %s", data[:200], want)
	}
}

func TestVerifyDetects(t *testing.T) {
	path := filepath.Join(t.TempDir(), "guard.log")
	l := openTest(t, path)
	for i := range 4 {
		l.Append(Record{BatchSeq: uint64(i + 1), Stage: "limits", Decision: Accept})
	}
	l.Close()
	good, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(good), "\n")[:4]
	tests := []struct {
		name string
		in   string
		want uint64 // lines verified before the error
	}{
		{"edited reason", strings.Replace(string(good), `"reason":""`, `"reason":"x"`, 1), 0},
		{"line removed", lines[0] + lines[2] + lines[3], 1},
		{"lines swapped", lines[0] + lines[2] + lines[1] + lines[3], 1},
		{"unknown field", lines[0] + `{"x":1,"hash":"00"}` + "\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, _, err := Verify(strings.NewReader(tt.in))
			if !errors.Is(err, ErrCorrupt) || n != tt.want {
				t.Fatalf("Verify = %d, %v; want %d, ErrCorrupt", n, err, tt.want)
			}
		})
	}
}

func TestTornTailCut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "guard.log")
	l := openTest(t, path)
	l.Append(Record{Stage: "guard", Decision: Event, Reason: "start"})
	l.Close()
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"time":"2025-01-02T03:04:05Z","seq":2,"batch`)
	f.Close()

	l = openTest(t, path)
	l.Close()
	data, _ := os.ReadFile(path)
	n, _, err := Verify(bytes.NewReader(data))
	if err != nil || n != 2 {
		t.Fatalf("Verify = %d, %v; want 2 lines, nil", n, err)
	}
	if !strings.Contains(string(data), "cut 45 bytes of a torn last line") {
		t.Fatalf("torn line cut not recorded:\n%s", data)
	}
}

func TestOpenRejectsCorruptTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "guard.log")
	os.WriteFile(path, []byte(`{"seq":1,"hash":"00"}`+"\n"), 0o640)
	if _, err := Open(path); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open = %v, want ErrCorrupt", err)
	}
}

func TestReasonClipped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "guard.log")
	l := openTest(t, path)
	l.Append(Record{Stage: "guard", Decision: Event, Reason: strings.Repeat("é", MaxLine)})
	l.Close()
	data, _ := os.ReadFile(path)
	if _, _, err := Verify(bytes.NewReader(data)); err != nil || len(data) > MaxLine {
		t.Fatalf("Verify = %v, line %d bytes; want nil, at most %d", err, len(data), MaxLine)
	}
}

func FuzzDecode(f *testing.F) {
	l := Line{Seq: 1, Stage: "limits", Decision: Accept, Prev: GenesisHash}
	f.Add(encode(&l))
	f.Add([]byte(`{"hash":"x"}`))
	f.Add([]byte(`,"hash":"`))
	f.Fuzz(func(t *testing.T, b []byte) {
		line, err := Decode(b)
		if err != nil {
			return
		}
		again := encode(&line)
		if _, err := Decode(again); err != nil {
			t.Fatalf("re-encoded line does not decode: %v", err)
		}
	})
}
