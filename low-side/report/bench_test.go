package report_test

import (
	"fmt"
	"testing"

	"bastion/low-side/report"
	"bastion/low-side/report/reporttest"
	"bastion/shared/entry"
)

// benchBatches returns n batches of size entries each over ten dates,
// every fifth entry withheld and every seventh a rejection.
func benchBatches(n, size int) []*report.Batch {
	var out []*report.Batch
	idx := uint64(0)
	for s := 1; s <= n; s++ {
		var ents [][]byte
		for i := 0; i < size; i++ {
			at := reporttest.At(fmt.Sprintf("2012-06-%02d", 10+int(idx)*10/(n*size)), 9, 0)
			switch {
			case idx%5 == 0:
				ents = append(ents, nil)
			case idx%7 == 0:
				ents = append(ents, reporttest.Payment(fmt.Sprintf("p-%d", idx), at, reporttest.Reject(entry.ReasonVelocity)))
			default:
				ents = append(ents, reporttest.Order(fmt.Sprintf("o-%d", idx), at, reporttest.Accept()))
			}
			idx++
		}
		out = append(out, reporttest.NewBatch(uint64(s), idx-uint64(size), ents...))
	}
	return out
}

// BenchmarkExportRefresh measures one full pass over an export directory
// of 200 batches of 100 entries, from the files to every report rendered.
func BenchmarkExportRefresh(b *testing.B) {
	dir := reporttest.WriteExport(b, b.TempDir(), benchBatches(200, 100)...)
	b.ReportAllocs()
	for b.Loop() {
		e := report.NewExport(dir, nil)
		if _, err := e.Refresh(); err != nil {
			b.Fatal(err)
		}
		for _, d := range e.Snapshot().Reports {
			if _, err := d.Bytes(report.JSON); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/20000, "ns/entry")
}

// BenchmarkBuilderAdd measures adding one batch of 100 entries.
func BenchmarkBuilderAdd(b *testing.B) {
	batches := benchBatches(b.N+1, 100)
	bl := report.NewBuilder()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := bl.Add(batches[i]); err != nil {
			b.Fatal(err)
		}
	}
}
