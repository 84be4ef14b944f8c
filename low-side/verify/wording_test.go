package verify

import "testing"

// TestRangeWording checks that ranges name real ledger indexes and batch
// numbers, both ends included, and a single one in the singular.
func TestRangeWording(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{indexes(41984, 43008), "ledger indexes 41984 to 43007"},
		{indexes(7, 8), "ledger index 7"},
		{indexes(7, 7), "no ledger index"},
		{indexes(0, 256), "ledger indexes 0 to 255"},
		{missingBatches(2, 2), "batch 2 is missing"},
		{missingBatches(2, 5), "batches 2 to 5 are missing"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
