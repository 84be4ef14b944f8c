package wire

import (
	"encoding/binary"
	"fmt"
)

// reader decodes big-endian fields from a byte slice. After the first short
// read it returns zero values and keeps the error, so a parser can read all
// fields and check once.
type reader struct {
	b   []byte
	off int
	err error
}

// take returns the next n bytes, or nil once the input is exhausted.
func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.off {
		r.err = fmt.Errorf("field of %d bytes at offset %d overruns %d-byte input", n, r.off, len(r.b))
		return nil
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p
}

func (r *reader) u8() uint8 {
	if p := r.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if p := r.take(2); p != nil {
		return binary.BigEndian.Uint16(p)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if p := r.take(4); p != nil {
		return binary.BigEndian.Uint32(p)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if p := r.take(8); p != nil {
		return binary.BigEndian.Uint64(p)
	}
	return 0
}

// bytes returns a copy of the next n bytes, so a decoded value never aliases
// a reused datagram buffer.
func (r *reader) bytes(n int) []byte {
	p := r.take(n)
	if p == nil {
		return nil
	}
	return append([]byte(nil), p...)
}
