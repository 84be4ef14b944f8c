package cluster

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSummarise(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100 down to 1
	}
	tests := []struct {
		name string
		in   []time.Duration
		want Percentiles
	}{
		{"empty", nil, Percentiles{}},
		{"one", ms(7), Percentiles{Count: 1, P50: 7, P90: 7, P99: 7, P999: 7, Max: 7, Mean: 7}},
		{"1 to 100 unsorted", ms(hundred...),
			Percentiles{Count: 100, P50: 50, P90: 90, P99: 99, P999: 100, Max: 100, Mean: 50.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Summarise(tt.in)); diff != "" {
				t.Errorf("Summarise mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTimelineDelays(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	var tl Timeline
	tl.observe(at(0), 0)
	tl.observe(at(100), 10) // covers indexes 0..9
	tl.observe(at(150), 10) // no growth: ignored
	tl.observe(at(300), 25) // covers 10..24

	samples := []Sample{
		{Ack: at(50), MaxIndex: 9},   // covered at 100: 50 ms
		{Ack: at(120), MaxIndex: 3},  // covered before its ack: 0
		{Ack: at(120), MaxIndex: 10}, // covered at 300: 180 ms
		{Ack: at(310), MaxIndex: 25}, // never covered
	}
	ds, uncovered := tl.Delays(samples)
	want := []time.Duration{50 * time.Millisecond, 0, 180 * time.Millisecond}
	if diff := cmp.Diff(want, ds); diff != "" || uncovered != 1 {
		t.Errorf("Delays = %v, %d uncovered; want %v, 1 uncovered (%s)", ds, uncovered, want, diff)
	}

	c := tl.Cadence(at(0), at(300))
	wantC := Cadence{Advances: 2, MeanGapMS: 150, MaxGapMS: 200, MeanGrowth: 12.5}
	if diff := cmp.Diff(wantC, c); diff != "" {
		t.Errorf("Cadence mismatch (-want +got):\n%s", diff)
	}
}

func TestTally(t *testing.T) {
	a := tally([]receipt{{Index: 4, Outcome: "accept"}, {Error: "bad"}, {Index: 9, Outcome: "review"},
		{Index: 2, Outcome: "accept"}})
	if a.Items != 4 || a.Errors != 1 || a.MaxIndex != 9 || a.Outcomes["accept"] != 2 || a.Outcomes["review"] != 1 {
		t.Errorf("tally = %+v, want 4 items, 1 error, max index 9, 2 accept, 1 review", a)
	}
}
