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
}
