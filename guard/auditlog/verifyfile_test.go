package auditlog

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeLog writes n lines to a new log and returns its bytes.
func writeLog(t testing.TB, n int) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "guard.log")
	l := openTest(t, path)
	for i := range n {
		if err := l.Append(Record{BatchSeq: uint64(i + 1), Stage: "limits", Decision: Accept}); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestVerifyFile(t *testing.T) {
	good := writeLog(t, 3)
	torn := `{"time":"2025-01-02T03:04:05Z","seq":4,"batch`
	tests := []struct {
		name      string
		data      string
		wantLines uint64
		wantTorn  int64
		wantErr   error
	}{
		{"sound", string(good), 3, 0, nil},
		{"empty", "", 0, 0, nil},
		{"torn last line", string(good) + torn, 3, int64(len(torn)), nil},
		{"only a torn line", torn, 0, int64(len(torn)), nil},
		{"edited line", strings.Replace(string(good), `"batch_seq":2`, `"batch_seq":9`, 1), 1, 0, ErrCorrupt},
		{"tail longer than a line", string(good) + strings.Repeat("x", MaxLine+1), 0, MaxLine + 1, ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "guard.log")
			if err := os.WriteFile(path, []byte(tc.data), 0o640); err != nil {
				t.Fatal(err)
			}
			lines, torn, err := VerifyFile(path)
			if lines != tc.wantLines || torn != tc.wantTorn || !errors.Is(err, tc.wantErr) ||
				(tc.wantErr != nil) != (err != nil) {
				t.Errorf("VerifyFile = %d lines, %d torn, %v; want %d, %d, %v",
					lines, torn, err, tc.wantLines, tc.wantTorn, tc.wantErr)
			}
			if after, _ := os.ReadFile(path); string(after) != tc.data {
				t.Errorf("VerifyFile changed the file: %d bytes before, %d after", len(tc.data), len(after))
			}
		})
	}

	missing := filepath.Join(t.TempDir(), "guard.log")
	if _, _, err := VerifyFile(missing); !errors.Is(err, fs.ErrNotExist) ||
		!strings.Contains(err.Error(), missing) {
		t.Errorf("VerifyFile of a missing file = %v, want an error naming %s", err, missing)
	}
}

// FuzzVerifyFile holds VerifyFile (over memory) to Verify over the bytes up to the last
// newline, and the torn count to the bytes after it.
func FuzzVerifyFile(f *testing.F) {
	good := writeLog(f, 2)
	f.Add(good)
	f.Add(append(append([]byte(nil), good...), `{"seq":3`...))
	f.Add([]byte("\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		lines, torn, err := verifyWhole(bytes.NewReader(data), int64(len(data)))
		whole := bytes.LastIndexByte(data, '\n') + 1
		if want := int64(len(data) - whole); torn != want {
			t.Fatalf("torn = %d, want %d", torn, want)
		}
		if torn > MaxLine {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("VerifyFile = %v with %d bytes after the last line, want ErrCorrupt", err, torn)
			}
			return
		}
		wantLines, _, wantErr := Verify(bytes.NewReader(data[:whole]))
		if lines != wantLines || (err == nil) != (wantErr == nil) {
			t.Fatalf("VerifyFile = %d, %v; Verify of the whole lines = %d, %v", lines, err, wantLines, wantErr)
		}
	})
}
