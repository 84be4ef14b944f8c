package verify

import (
	"encoding/binary"
	"fmt"

	"bastion/shared/batch"
	"bastion/shared/checkpoint"
)

// batchHeader is the start of a batch file up to its checkpoint notes
// (see the encoding in package batch), read without batch.Parse so that
// a batch Parse refuses can still be described.
type batchHeader struct {
	link       string
	prev, note []byte
}

// readHeader reads the header of raw; false when it is cut short or of
// another format.
func readHeader(raw []byte) (batchHeader, bool) {
	const fixed = len(batch.Magic) + 1 + 1 // magic, version, link length
	if len(raw) < fixed || string(raw[:len(batch.Magic)]) != batch.Magic || raw[fixed-2] != batch.Version {
		return batchHeader{}, false
	}
	n := int(raw[fixed-1])
	rest := raw[fixed:]
	if len(rest) < n+8+8+4 { // link, seq, first, count
		return batchHeader{}, false
	}
	h := batchHeader{link: string(rest[:n])}
	prev, rest, ok := cutNote(rest[n+20:])
	if !ok {
		return batchHeader{}, false
	}
	note, _, ok := cutNote(rest)
	h.prev, h.note = prev, note
	return h, ok
}

// cutNote splits a uint32 length and that many bytes, at most
// checkpoint.MaxNoteSize, off the front of b.
func cutNote(b []byte) (note, rest []byte, ok bool) {
	if len(b) < 4 {
		return nil, nil, false
	}
	n := binary.BigEndian.Uint32(b)
	if n > checkpoint.MaxNoteSize || uint64(n) > uint64(len(b)-4) {
		return nil, nil, false
	}
	return b[4 : 4+n], b[4+n:], true
}

// originMismatch describes a batch whose header link does not give the
// origin of one of its checkpoint notes (checkpoint.OriginFor), the fault
// batch.Parse reports with the note's origin as the value found. Which of
// the two was changed is told by the note's signature: a note that
// verifies holds the true origin, and the header's is then the value
// found; otherwise the note is. It returns false for any other fault.
func (r *Replay) originMismatch(raw []byte) (string, bool) {
	h, ok := readHeader(raw)
	if !ok {
		return "", false
	}
	fromLink := checkpoint.OriginFor(h.link)
	for _, n := range []struct {
		what string
		note []byte
	}{{"previous checkpoint", h.prev}, {"checkpoint", h.note}} {
		origin, ok := noteOrigin(n.note)
		if !ok || origin == fromLink {
			continue
		}
		if _, err := r.ring.openSigned(n.note); err != nil {
			return fmt.Sprintf("%v: %s: origin %q, want %q (from the header's link %q); its signature does not verify: %v",
				batch.ErrMalformed, n.what, origin, fromLink, h.link, err), true
		}
		return fmt.Sprintf("%v: header: link %q (origin %q), want %q (origin %q of the signed %s)",
			batch.ErrMalformed, h.link, fromLink, linkOf(origin), origin, n.what), true
	}
	return "", false
}

// noteOrigin returns the origin of a note's checkpoint, unverified.
func noteOrigin(note []byte) (string, bool) {
	if len(note) == 0 {
		return "", false
	}
	n, err := checkpoint.ParseNote(note)
	if err != nil {
		return "", false
	}
	c, err := checkpoint.Parse(n.Text)
	return c.Origin, err == nil
}

// linkOf returns the link an origin names, or the origin itself when it
// does not follow checkpoint.OriginFor.
func linkOf(origin string) string {
	if link, ok := checkpoint.LinkFromOrigin(origin); ok {
		return link
	}
	return origin
}
