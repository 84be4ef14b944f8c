package verify

import (
	"slices"
	"testing"
)

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

// TestProblemWording checks that a problem names batches and ledger
// indexes only when it concerns some: never a batch 0, which does not
// exist.
func TestProblemWording(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{problem(KindHead, 0, "malformed chain head"), "head: malformed chain head"},
		{problem(KindAnchor, 0, "archive ends at size 7"), "anchor: archive ends at size 7"},
		{problem(KindSignature, 2, "bad"), "signature: batch 2: bad"},
		{Problem{Kind: KindEntry, Seq: 2, Index: 4, Detail: "bad"}, "entry: batch 2, ledger index 4: bad"},
		{Problem{Kind: KindProofFile, Index: 4, Detail: "bad"}, "proof_file: ledger index 4: bad"},
		{Problem{Kind: KindCheckpoint, Seq: 1, LastSeq: 145, Repeats: 144, Index: -1, Detail: "bad"},
			"checkpoint: batches 1 to 145, 145 times: bad"},
		{Problem{Kind: KindName, Repeats: 1, Index: -1, Detail: "bad"}, "unexpected_file: 2 times: bad"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

// TestReportGroups adds the same problem from three batches, and another
// detail once: two lines, the first counting three, batches 2 to 7.
func TestReportGroups(t *testing.T) {
	var r Report
	r.add(problem(KindCheckpoint, 5, "x"), problem(KindCheckpoint, 2, "x"), problem(KindCheckpoint, 3, "y"),
		problem(KindCheckpoint, 7, "x"), problem(KindCheckpoint, 0, "x"))
	want := []string{"checkpoint: batches 2 to 7, 3 times: x", "checkpoint: batch 3: y", "checkpoint: x"}
	var got []string
	for _, p := range r.Problems {
		got = append(got, p.String())
	}
	if !slices.Equal(got, want) || r.Count() != 5 {
		t.Errorf("got %q, count %d; want %q, count 5", got, r.Count(), want)
	}
}
