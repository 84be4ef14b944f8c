package report_test

import (
	"fmt"
	"os"
	"testing"

	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
	"bastion/shared/entry"
)

// BenchmarkFollowGrowing replays, without pauses, what the portal did
// before its report writer was throttled: the export directory grows by one
// batch of 2000 entries (two in five rejected, as in
// bench-results/ledger.json) at a time; each batch is followed by a
// refresh, and every fifth by a rewrite of every report file. Rewriting the
// growing day is quadratic; bastion-portal's BenchmarkPortalFollow measures
// the throttled writer at the real pace.
func BenchmarkFollowGrowing(b *testing.B) {
	const batches, size = 40, 2000
	all := growBatches(batches, size)
	b.ReportAllocs()
	for b.Loop() {
		root, out := b.TempDir(), b.TempDir()
		dir := reporttest.WriteExport(b, root)
		e := report.NewExport(dir, nil)
		for i, bt := range all {
			if err := os.WriteFile(dir.BatchPath(bt.Seq), reporttest.Encode(bt), 0o644); err != nil {
				b.Fatal(err)
			}
			if _, err := e.Refresh(); err != nil {
				b.Fatal(err)
			}
			if i%5 == 4 {
				if _, err := e.Snapshot().WriteFiles(out); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/(batches*size), "µs/entry")
}

// growBatches returns n batches of size entries on one date: of every
// five entries two are rejected orders, two reviewed and one accepted,
// as the ledger benchmark's decisions (accept 4 %, review 62 %, reject
// 34 %) roughly are.
func growBatches(n, size int) []*report.Batch {
	var out []*report.Batch
	at := reporttest.At("2012-06-21", 9, 0)
	idx := uint64(0)
	for s := 1; s <= n; s++ {
		ents := make([][]byte, size)
		for i := range ents {
			id := fmt.Sprintf("o-%d", idx)
			switch idx % 5 {
			case 0, 1:
				ents[i] = reporttest.Order(id, at, reporttest.Reject(entry.ReasonPriceCollar, entry.ReasonNotionalLimit))
			case 2, 3:
				ents[i] = reporttest.Order(id, at, reporttest.Review(entry.ReasonWatchList))
			default:
				ents[i] = reporttest.Order(id, at, reporttest.Accept())
			}
			idx++
		}
		out = append(out, reporttest.NewBatch(uint64(s), idx-uint64(size), ents...))
	}
	return out
}
