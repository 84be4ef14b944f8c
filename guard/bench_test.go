package guard

import (
	"testing"

	"bastion/guard/guardtest"
)

// BenchmarkPipeline measures the guard's throughput on genuine batches of
// 1,000 order entries: all nine stages, including the bbolt commit (fsync)
// and the export files. Reported as entries/s.
func BenchmarkPipeline(b *testing.B) {
	const perBatch = 1000
	r := newBenchRig(b)
	raws := make([][]byte, b.N)
	for i := range raws {
		for j := range perBatch {
			r.hs.Append(b, guardtest.Order(b, i*perBatch+j, guardtest.Releasable))
		}
		_, raws[i] = r.hs.Next(b)
	}
	b.ResetTimer()
	for i, raw := range raws {
		if out, err := r.g.Submit(uint64(i+1), raw); err != nil || out != Accepted {
			b.Fatalf("Submit = %v, %v", out, err)
		}
	}
	b.ReportMetric(float64(b.N*perBatch)/b.Elapsed().Seconds(), "entries/s")
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
