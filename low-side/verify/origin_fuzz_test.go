package verify

import (
	"bytes"
	"testing"

	"bastion/guard/guardtest"
	"bastion/shared/batch"
)

// FuzzReadHeader checks readHeader against batch.Parse: it never panics,
// and on every batch Parse accepts it reads the same link and notes.
func FuzzReadHeader(f *testing.F) {
	hs := guardtest.New(f, "link-1")
	for i := range 2 {
		hs.Append(f, guardtest.Order(f, i, guardtest.Releasable))
		_, raw := hs.Next(f)
		f.Add(raw)
	}
	f.Add([]byte("BSTB\x01\x01a"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		h, ok := readHeader(raw)
		b, err := batch.Parse(raw, batch.Limits{})
		if err != nil {
			return
		}
		if !ok || h.link != b.Link || !bytes.Equal(h.prev, b.Prev) || !bytes.Equal(h.note, b.Checkpoint) {
			t.Fatalf("readHeader = %q, %q, %q, %v; batch.Parse read %q, %q, %q",
				h.link, h.prev, h.note, ok, b.Link, b.Prev, b.Checkpoint)
		}
	})
}
