package report_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
)

func TestExportRefresh(t *testing.T) {
	batches := reporttest.Standard()
	dir := reporttest.WriteExport(t, t.TempDir(), batches[0])
	e := report.NewExport(dir, nil)
	changed, err := e.Refresh()
	if err != nil || !changed {
		t.Fatalf("first Refresh = %v, %v; want true, nil", changed, err)
	}
	if changed, err := e.Refresh(); err != nil || changed {
		t.Fatalf("idle Refresh = %v, %v; want false, nil", changed, err)
	}
	reporttest.WriteExport(t, dir.Root, batches[1:]...)
	if _, err := e.Refresh(); err != nil {
		t.Fatal(err)
	}
	s := e.Snapshot()
	if want := []uint64{1, 2, 4, 5}; !cmp.Equal(s.Batches, want) {
		t.Errorf("Batches = %v, want %v", s.Batches, want)
	}
	if want := []report.Range{{First: 3, Last: 3}}; !cmp.Equal(s.Missing, want) {
		t.Errorf("Missing = %v, want %v", s.Missing, want)
	}
}

func TestExportBadBatch(t *testing.T) {
	batches := reporttest.Standard()
	dir := reporttest.WriteExport(t, t.TempDir(), batches[:2]...)
	e := report.NewExport(dir, nil)
	if _, err := e.Refresh(); err != nil {
		t.Fatal(err)
	}
	before := e.Snapshot().Reports[report.AllDates]

	if err := os.WriteFile(dir.BatchPath(4), []byte("not a batch"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := e.Refresh()
	if err == nil || !strings.Contains(err.Error(), "00000000000000000004.batch") {
		t.Fatalf("Refresh error = %v, want one naming the batch file", err)
	}
	s := e.Snapshot()
	if s.Err == nil {
		t.Error("Snapshot.Err is nil after a failed refresh")
	}
	if diff := cmp.Diff(before, s.Reports[report.AllDates]); diff != "" {
		t.Errorf("bad batch changed the report:\n%s", diff)
	}

	// Once the guard rewrites the file, the next refresh reads it.
	reporttest.WriteExport(t, dir.Root, batches[2:]...)
	if _, err := e.Refresh(); err != nil || e.Snapshot().Err != nil {
		t.Fatalf("Refresh after repair: %v", err)
	}
}

func TestExportSkipsForeignFiles(t *testing.T) {
	dir := reporttest.WriteExport(t, t.TempDir(), reporttest.Standard()...)
	for _, name := range []string{"1.batch", "00000000000000000009.batch.tmp", "notes.txt"} {
		if err := os.WriteFile(dir.Root+"/batches/"+name, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	seqs, err := dir.BatchSeqs()
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint64{1, 2, 4, 5}; !cmp.Equal(seqs, want) {
		t.Errorf("BatchSeqs = %v, want %v", seqs, want)
	}
}

// TestFollowZeroInterval checks that a non-positive interval falls back
// to one second instead of panicking in the ticker.
func TestFollowZeroInterval(t *testing.T) {
	dir := reporttest.WriteExport(t, t.TempDir(), reporttest.Standard()...)
	e := report.NewExport(dir, nil)
	ctx, cancel := context.WithCancel(context.Background())
	published := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Follow(ctx, 0, func(*report.Snapshot) {
			select {
			case published <- struct{}{}:
			default:
			}
		})
	}()
	<-published
	cancel()
	<-done
	if got := len(e.Snapshot().Reports); got == 0 {
		t.Error("Follow with interval 0 read no report")
	}
}
