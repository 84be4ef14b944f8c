package diode

import (
	"bytes"
	"context"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	sizes := []int{0, 1, DefaultShardSize - 1, DefaultShardSize, DefaultShardSize + 1,
		200*DefaultShardSize + 1, 1 << 20}
	l := newLink(t, linkOpts{})
	s := l.sender(SenderConfig{DisableCarousel: true})
	for i, n := range sizes {
		if err := s.Send(context.Background(), uint64(i+1), payload(uint64(i), n)); err != nil {
			t.Fatalf("Send(%d bytes): %v", n, err)
		}
	}
	waitUntil(t, 10*time.Second, "all batches", func() bool { return l.rec.delivered() == len(sizes) })
	for i, n := range sizes {
		got := l.rec.batches[uint64(i+1)]
		if !bytes.Equal(got, payload(uint64(i), n)) {
			t.Errorf("batch %d (%d bytes): got %d bytes, content differs", i+1, n, len(got))
		}
	}
	st := l.recv.Stats()
	if st.Gaps != 0 || st.Malformed != 0 || st.AuthFailures != 0 {
		t.Errorf("stats: gaps %d malformed %d auth failures %d, want 0", st.Gaps, st.Malformed, st.AuthFailures)
	}
	if st.FirstData.IsZero() || st.LastData.Before(st.FirstData) || st.LastBatch.Before(st.FirstData) {
		t.Errorf("transfer times: first %v last %v last batch %v, want first set and the others not before it",
			st.FirstData, st.LastData, st.LastBatch)
	}
}

func TestReceiverGoodput(t *testing.T) {
	t0 := time.Unix(1000, 0)
	for _, tc := range []struct {
		name string
		st   ReceiverStats
		want float64
	}{
		{"nothing yet", ReceiverStats{Bytes: 10}, 0},
		{"one datagram", ReceiverStats{Bytes: 10, FirstData: t0, LastData: t0, LastBatch: t0}, 0},
		{"last datagram later", ReceiverStats{Bytes: 1000, FirstData: t0, LastData: t0.Add(2 * time.Second),
			LastBatch: t0.Add(time.Second)}, 500},
		{"batch rebuilt later", ReceiverStats{Bytes: 1000, FirstData: t0, LastData: t0.Add(time.Second),
			LastBatch: t0.Add(4 * time.Second)}, 250},
	} {
		if got := tc.st.Goodput(); got != tc.want {
			t.Errorf("%s: Goodput() = %g, want %g", tc.name, got, tc.want)
		}
	}
}
