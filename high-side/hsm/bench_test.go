package hsm

import (
	"testing"

	"bastion/shared/hybrid"
)

// BenchmarkHybridSign measures complete composite signatures (ML-DSA-65 in
// software, ECDSA P-256 in SoftHSM, software verification) from parallel
// goroutines over pools of 1 and 3 tokens.
func BenchmarkHybridSign(b *testing.B) {
	for _, n := range []int{1, 3} {
		b.Run(map[int]string{1: "tokens=1", 3: "tokens=3"}[n], func(b *testing.B) {
			res, cfg := newCeremony(b, n, hybrid.SuiteMLDSA65P256)
			_, s := openSigner(b, res, cfg)
			msg := []byte("checkpoint body of a typical size, about one hundred bytes long, for the benchmark..")
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.Sign(msg, nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
