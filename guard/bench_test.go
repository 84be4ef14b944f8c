package guard

import (
	"sync/atomic"
	"testing"

	"bastion/guard/guardtest"
)

const benchPerBatch = 1000

// BenchmarkPipeline measures the guard's throughput on genuine batches of
// 1,000 order entries offered back to back (Enqueue, as the diode
// receiver does): all nine stages, including the bbolt commit (fsync) and
// the export files, with group commit. Reported as entries/s.
func BenchmarkPipeline(b *testing.B) {
	r := newBenchRig(b)
	raws := benchBatches(b, r.hs, b.N)
	var bad atomic.Int64
	b.ResetTimer()
	for i, raw := range raws {
		r.g.Enqueue(uint64(i+1), raw, func(o Outcome, err error) {
			if err != nil || o != Accepted {
				bad.Add(1)
			}
		})
	}
	if err := r.g.Sync(); err != nil || bad.Load() != 0 {
		b.Fatalf("Sync = %v with %d batches not accepted", err, bad.Load())
	}
	b.ReportMetric(float64(b.N*benchPerBatch)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkSubmit is BenchmarkPipeline with each batch waited for before
// the next is offered (Submit): no overlap, a group of one every time.
func BenchmarkSubmit(b *testing.B) {
	r := newBenchRig(b)
	raws := benchBatches(b, r.hs, b.N)
	b.ResetTimer()
	for i, raw := range raws {
		if out, err := r.g.Submit(uint64(i+1), raw); err != nil || out != Accepted {
			b.Fatalf("Submit = %v, %v", out, err)
		}
	}
	b.ReportMetric(float64(b.N*benchPerBatch)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkCheck measures stages 1 to 7 alone (no storage) per batch.
func BenchmarkCheck(b *testing.B) {
	r := newBenchRig(b)
	raws := benchBatches(b, r.hs, 1)
	p := r.g.pipe
	b.ResetTimer()
	for range b.N {
		c := &candidate{diodeSeq: 1, raw: raws[0]}
		if p.check(c); !c.checked {
			b.Fatalf("batch not checked: %+v", c.recs[len(c.recs)-1])
		}
	}
	b.ReportMetric(float64(b.N*benchPerBatch)/b.Elapsed().Seconds(), "entries/s")
}

// benchBatches signs n batches of benchPerBatch releasable orders.
func benchBatches(b *testing.B, hs *guardtest.HighSide, n int) [][]byte {
	b.Helper()
	raws := make([][]byte, n)
	for i := range raws {
		for j := range benchPerBatch {
			hs.Append(b, guardtest.Order(b, i*benchPerBatch+j, guardtest.Releasable))
		}
		_, raws[i] = hs.Next(b)
	}
	return raws
}

func newBenchRig(b *testing.B) *rig {
	b.Helper()
	dir := b.TempDir()
	hs := guardtest.New(b, testLink)
	r := &rig{hs: hs}
	g, err := Open(benchConfig(b, dir, hs), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { g.Close() })
	r.g = g
	return r
}
