package verify_test

import (
	"bytes"
	"testing"

	"bastion/guard/export"
	"bastion/low-side/verify"
)

// TestOriginMismatch flips a byte of the link in a batch header, then of
// the origin in a checkpoint note: the problem gives the changed value as
// found and the other as wanted, told apart by the note's signature.
func TestOriginMismatch(t *testing.T) {
	header := func(b []byte) int { return 6 + len("link-") } // magic, version, link length
	note := func(b []byte) int { return bytes.Index(b, []byte("ledger/link-1\n")) + len("ledger/link-") }
	tests := []struct {
		name   string
		seq    uint64
		at     func([]byte) int
		detail string
	}{
		{"header link, first batch", 1, header, `malformed batch: header: link "link-0" (origin "bastion.example/ledger/link-0"), ` +
			`want "link-1" (origin "bastion.example/ledger/link-1" of the signed checkpoint)`},
		{"header link, later batch", 2, header, `malformed batch: header: link "link-0" (origin "bastion.example/ledger/link-0"), ` +
			`want "link-1" (origin "bastion.example/ledger/link-1" of the signed previous checkpoint)`},
		{"checkpoint origin", 1, note, `malformed batch: checkpoint: origin "bastion.example/ledger/link-0", ` +
			`want "bastion.example/ledger/link-1" (from the header's link "link-1"); its signature does not verify: `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, hs := fixture(t, false)
			rewrite(t, export.BatchPath(dir, tt.seq), func(b []byte) []byte {
				b[tt.at(b)] ^= 0x01 // '1' becomes '0'
				return b
			})
			rep := check(t, dir, hs.KeyText())
			if len(rep.Problems) == 0 {
				t.Fatal("a flipped origin was not detected")
			}
			p := rep.Problems[0]
			if p.Kind != verify.KindFormat || p.Seq != tt.seq || !bytes.HasPrefix([]byte(p.Detail), []byte(tt.detail)) {
				t.Fatalf("first problem %v\nwant %s: batch %d: %s", p, verify.KindFormat, tt.seq, tt.detail)
			}
		})
	}
}
