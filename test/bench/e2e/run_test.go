package main

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestWithUnacked checks that every order due in the window without a
// receipt is counted with its wait until the deadline, and no other.
func TestWithUnacked(t *testing.T) {
	start := time.Unix(0, 0)
	// 10 orders per second: order k is due at k*100 ms; warm-up 0.2 s
	// (orders 0, 1), window 0.5 s (orders 2 to 6), deadline at 1 s.
	acked := []bool{false, false, true, false, true, true, false, false, false}
	got := withUnacked([]time.Duration{time.Millisecond}, acked, start, 10,
		200*time.Millisecond, 500*time.Millisecond, start.Add(time.Second))
	want := []time.Duration{time.Millisecond, 700 * time.Millisecond, 400 * time.Millisecond}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("withUnacked mismatch (-want +got):\n%s", diff)
	}
}
