package monitor

import (
	"math"
	"testing"
	"time"
)

func TestAppendDuration(t *testing.T) {
	tests := []time.Duration{
		0, 1, 999, time.Microsecond, 1500, 1001, time.Millisecond, 1_000_001, 1_500_000,
		time.Second, 1_000_000_001, 90 * time.Second, time.Hour, time.Hour + 1, 25*time.Hour + 30*time.Minute,
		-1, -1500 * time.Millisecond, math.MaxInt64, math.MinInt64, math.MinInt64 + 1, 59*time.Second + 999_999_999,
	}
	for _, d := range tests {
		if got, want := string(appendDuration(nil, d)), d.String(); got != want {
			t.Errorf("appendDuration(%d): got %q, want %q", int64(d), got, want)
		}
	}
}

func FuzzAppendDuration(f *testing.F) {
	for _, d := range []int64{0, 1, 1500, 1_000_001, 61_000_000_000, -3_600_000_000_001, math.MinInt64} {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, n int64) {
		d := time.Duration(n)
		if got, want := string(appendDuration(nil, d)), d.String(); got != want {
			t.Errorf("appendDuration(%d): got %q, want %q", n, got, want)
		}
	})
}
