package batch

import (
	"encoding/binary"
	"fmt"
)

// reader decodes fields from a byte slice. The first failure sticks: later
// reads return zero values and the error names the field that failed.
type reader struct {
	b   []byte
	off int
	err error
}

// fail records the first error, naming field.
func (r *reader) fail(field, format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s: %s", ErrMalformed, field, fmt.Sprintf(format, args...))
	}
}

// take returns the next n bytes, or fails if fewer are left. It never
// allocates.
func (r *reader) take(field string, n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.off {
		r.fail(field, "need %d bytes at offset %d, %d left", n, r.off, len(r.b)-r.off)
		return nil
	}
	out := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return out
}

func (r *reader) u8(field string) uint8 {
	if b := r.take(field, 1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u32(field string) uint32 {
	if b := r.take(field, 4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64(field string) uint64 {
	if b := r.take(field, 8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// bytes32 reads a uint32 length, checks it against max, then the bytes.
func (r *reader) bytes32(field string, max int) []byte {
	n := r.u32(field + " length")
	if r.err == nil && uint64(n) > uint64(max) {
		r.fail(field, "length %d exceeds %d", n, max)
		return nil
	}
	return r.take(field, int(n))
}

// left returns the number of bytes not yet read.
func (r *reader) left() int { return len(r.b) - r.off }
