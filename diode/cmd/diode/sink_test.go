package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bastion/diode/record"
)

// put hands s one record of name, as a batch.
func put(t *testing.T, s *sink, seq, off uint64, final bool, name, data string) error {
	t.Helper()
	b, err := record.Append(nil, &record.Record{Name: name, Offset: off, Final: final, Data: []byte(data)})
	if err != nil {
		t.Fatal(err)
	}
	return s.batch(seq, b)
}

// A file that appears under the incoming name while the incoming file is
// assembled is not replaced either: the incoming file is refused and kept
// under its temporary name, which the error names.
func TestSinkRefusesFileMadeDuringTransfer(t *testing.T) {
	dir := t.TempDir()
	s, err := newSink(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := put(t, s, 1, 0, false, "report", "new "); err != nil {
		t.Fatalf("first record: %v", err)
	}
	target := filepath.Join(dir, "report")
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = put(t, s, 2, 4, true, "report", "data")
	tmp := filepath.Join(dir, ".report.partial")
	if err == nil || !strings.Contains(err.Error(), target+" exists and was not overwritten") ||
		!strings.Contains(err.Error(), tmp) {
		t.Errorf("last record: got %v, want an error naming %s and %s", err, target, tmp)
	}
	if got := mustRead(t, target); string(got) != "old" {
		t.Errorf("%s holds %q, want %q", target, got, "old")
	}
	if got := mustRead(t, tmp); string(got) != "new data" {
		t.Errorf("%s holds %q, want the whole incoming file %q", tmp, got, "new data")
	}
	if err := s.finish(); err == nil || !strings.Contains(err.Error(), "1 existing file(s) not overwritten: "+target) {
		t.Errorf("finish: got %v, want it to name %s", err, target)
	}
}

// A refused file is reported once, with its first record; its later
// records are dropped without a word and other files still arrive.
func TestSinkRefusesOnce(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := newSink(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := put(t, s, 1, 0, false, "a", "xx"); err == nil {
		t.Error("first record of a: got no error, want a refusal")
	}
	if err := put(t, s, 2, 2, true, "a", "yy"); err != nil {
		t.Errorf("second record of a: got %v, want nil", err)
	}
	if err := put(t, s, 3, 0, true, "b", "bee"); err != nil {
		t.Errorf("record of b: %v", err)
	}
	if got := mustRead(t, filepath.Join(dir, "a")); string(got) != "old" {
		t.Errorf("a holds %q, want %q", got, "old")
	}
	if got := mustRead(t, filepath.Join(dir, "b")); string(got) != "bee" {
		t.Errorf("b holds %q, want %q", got, "bee")
	}
	if got := listDir(t, dir); len(got) != 2 {
		t.Errorf("directory holds %v, want a and b only", got)
	}
}
