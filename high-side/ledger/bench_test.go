package ledger

import (
	"fmt"
	mrand "math/rand/v2"
	"testing"

	"go.etcd.io/bbolt"
)

// benchRecord returns a record of realistic size: a 450-byte entry, 120
// bytes of openings and a 24-byte ID.
func benchRecord(i int) Record {
	e := fmt.Appendf(nil, `{"v":1,"type":"order","id":"ord-%016d","time_ns":%d,"actor":"T%03d","label":{"level":"confidential","compartments":["trading"]},"body":{"order_id":"ord-%016d","event":"new","symbol":"AAPL","side":"buy","qty":%d,"price":"585.33","trader":"T1","account":"c:%064x","source":"fix"}}`,
		i, 1340285400004000000+i, i%300, i, 100+i%900, i)
	for len(e) < 450 {
		e = append(e, ' ')
	}
	return Record{Entry: e, Openings: fmt.Appendf(nil, `{"account":{"salt":"%064x","value":"ACCT-%d"}}`, i, i), ID: fmt.Sprintf("ord-%016d", i)}
}

// BenchmarkAppend measures appends in transactions of 1,000 records, each
// committed with fsync to a file, as the state machine does per Raft batch.
// One op is one transaction; entries/s is the sustained ledger rate.
func BenchmarkAppend(b *testing.B) {
	for _, batch := range []int{100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			l, db, _ := openTemp(b, true)
			recs := make([][]Record, 64)
			next := 0
			b.ResetTimer()
			for n := 0; b.Loop(); n++ {
				b.StopTimer()
				rs := recs[n%len(recs)][:0]
				for range batch {
					rs = append(rs, benchRecord(next))
					next++
				}
				recs[n%len(recs)] = rs
				b.StartTimer()
				if err := db.Update(func(tx *bbolt.Tx) error { _, err := l.Append(tx, rs); return err }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

// BenchmarkInclusionProof measures building one inclusion proof, in its own
// read transaction, in a ledger of 1,000,000 entries.
func BenchmarkInclusionProof(b *testing.B) {
	const size = 1_000_000
	l, db, _ := openTemp(b, false)
	for from := 0; from < size; from += 10_000 {
		rs := make([]Record, 0, 10_000)
		for i := from; i < from+10_000; i++ {
			rs = append(rs, Record{Entry: fmt.Appendf(nil, "entry %d", i), ID: fmt.Sprintf("id-%d", i)})
		}
		if err := db.Update(func(tx *bbolt.Tx) error { _, err := l.Append(tx, rs); return err }); err != nil {
			b.Fatal(err)
		}
	}
	rng := mrand.New(mrand.NewPCG(1, 2))
	b.ResetTimer()
	for b.Loop() {
		if _, err := l.InclusionProof(rng.Uint64N(size), size); err != nil {
			b.Fatal(err)
		}
	}
}
