package diode

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkLink measures a whole transfer over loopback UDP in one process:
// encoding, sealing, socket writes, reads, authentication and assembly,
// unpaced, with the benchmark's code (64 data and 16 parity shards per
// group) and batches of eight groups, at two datagram payload sizes. It
// reports batch bytes per second and the share of batches delivered.
func BenchmarkLink(b *testing.B) {
	for _, shard := range []int{1400, 8900} {
		b.Run(fmt.Sprint(shard), func(b *testing.B) {
			l := newLink(b, linkOpts{})
			s := l.sender(SenderConfig{DisableCarousel: true, Rate: RateUnlimited, ShardSize: shard,
				MaxDataShards: 64, ParityShards: 16})
			size := 8 * 64 * shard
			batch := payload(1, size)
			b.SetBytes(int64(size))
			n := 0
			for b.Loop() {
				n++
				if err := s.Send(b.Context(), uint64(n), batch); err != nil {
					b.Fatal(err)
				}
			}
			deadline := time.Now().Add(10 * time.Second)
			for l.rec.delivered() < n && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			b.ReportMetric(float64(l.rec.delivered())/float64(n), "delivered/op")
		})
	}
}
