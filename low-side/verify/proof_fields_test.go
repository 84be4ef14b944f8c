package verify_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"bastion/low-side/verify"
)

// proofWith returns the proof file of entry i of n with edit applied to
// its fields.
func proofWith(t *testing.T, i, n int, edit func(map[string]any)) []byte {
	t.Helper()
	p, _ := proofOf(i, n)
	var fields map[string]any
	if err := json.Unmarshal(p.Marshal(), &fields); err != nil {
		t.Fatal(err)
	}
	edit(fields)
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseProofNamesMissingField: a required field left out or null is
// refused as malformed, naming it, rather than read as zero.
func TestParseProofNamesMissingField(t *testing.T) {
	tests := []struct {
		name string
		edit func(map[string]any)
		want string
	}{
		{"no format", func(m map[string]any) { delete(m, "format") }, "format missing"},
		{"no index", func(m map[string]any) { delete(m, "index") }, "index missing"},
		{"no tree size", func(m map[string]any) { delete(m, "tree_size") }, "tree_size missing"},
		{"no leaf hash", func(m map[string]any) { delete(m, "leaf_hash") }, "leaf_hash missing"},
		{"null leaf hash", func(m map[string]any) { m["leaf_hash"] = nil }, "leaf_hash missing"},
		{"no audit path", func(m map[string]any) { delete(m, "audit_path") }, "audit_path missing"},
		{"null audit path", func(m map[string]any) { m["audit_path"] = nil }, "audit_path missing"},
		{"no checkpoint", func(m map[string]any) { delete(m, "checkpoint") }, "checkpoint missing"},
		{"empty checkpoint", func(m map[string]any) { m["checkpoint"] = "" }, "checkpoint empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := verify.ParseProof(proofWith(t, 2, 5, tc.edit))
			want := verify.ErrProofMalformed.Error() + ": " + tc.want
			if !errors.Is(err, verify.ErrProofMalformed) || err.Error() != want {
				t.Errorf("ParseProof = %+v, %v; want error %q", p, err, want)
			}
		})
	}
}

// TestParseProofOptionalFields: the entry may be left out, and a tree of
// size 1 has an empty audit path, which Marshal writes as null.
func TestParseProofOptionalFields(t *testing.T) {
	noEntry := proofWith(t, 2, 5, func(m map[string]any) { delete(m, "entry") })
	p, err := verify.ParseProof(noEntry)
	if err != nil || p.Entry != nil {
		t.Errorf("without entry: ParseProof = %+v, %v; want no entry, nil", p, err)
	}
	one, _ := proofOf(0, 1)
	b := one.Marshal()
	if !strings.Contains(string(b), `"audit_path": null`) {
		t.Fatalf("proof of a tree of size 1 = %s, want an audit_path of null", b)
	}
	if p, err := verify.ParseProof(b); err != nil || len(p.Path) != 0 {
		t.Errorf("tree of size 1: ParseProof = %+v, %v; want an empty path, nil", p, err)
	}
}
