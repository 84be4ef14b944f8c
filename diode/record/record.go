// Package record frames a piece of a named file as one diode batch, the
// format the diode command sends. A file larger than a batch travels as
// several records at increasing offsets; the last carries FlagFinal.
//
// Layout, big endian: version (1 byte, 1), flags (1), name length (2), name,
// offset (8), data length (4), data. Nothing follows the data.
package record

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// FlagFinal marks the record holding the end of its file.
const FlagFinal = 0x01

// MaxName is the longest file name, in bytes.
const MaxName = 255

// Record is one piece of a file.
type Record struct {
	Name   string
	Offset uint64
	Final  bool
	Data   []byte
}

// ErrMalformed is wrapped by every Parse error.
var ErrMalformed = errors.New("malformed record")

const fixedLen = 1 + 1 + 2 + 8 + 4

// Append appends the encoding of r to b. It returns an error for an
// invalid name.
func Append(b []byte, r *Record) ([]byte, error) {
	if err := CheckName(r.Name); err != nil {
		return nil, err
	}
	var flags byte
	if r.Final {
		flags = FlagFinal
	}
	b = append(b, 1, flags)
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.Name)))
	b = append(b, r.Name...)
	b = binary.BigEndian.AppendUint64(b, r.Offset)
	b = binary.BigEndian.AppendUint32(b, uint32(len(r.Data)))
	return append(b, r.Data...), nil
}

// Parse decodes a record. Data aliases p. Every length is checked against
// the bytes actually present before use; errors wrap ErrMalformed.
func Parse(p []byte) (*Record, error) {
	bad := func(format string, a ...any) (*Record, error) {
		return nil, fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
	}
	if len(p) < fixedLen {
		return bad("%d bytes, want at least %d", len(p), fixedLen)
	}
	if p[0] != 1 {
		return bad("version %d", p[0])
	}
	if p[1]&^FlagFinal != 0 {
		return bad("unknown flags 0x%02x", p[1])
	}
	n := int(binary.BigEndian.Uint16(p[2:]))
	if rest := len(p) - fixedLen; n > rest {
		return bad("name length %d exceeds the %d bytes left", n, rest)
	}
	r := &Record{Name: string(p[4 : 4+n]), Final: p[1]&FlagFinal != 0}
	if err := CheckName(r.Name); err != nil {
		return bad("%v", err)
	}
	q := p[4+n:]
	r.Offset = binary.BigEndian.Uint64(q)
	size := uint64(binary.BigEndian.Uint32(q[8:]))
	if have := uint64(len(q) - 12); size != have {
		return bad("data length %d, record carries %d bytes", size, have)
	}
	if r.Offset+size < r.Offset {
		return bad("offset %d plus length %d overflows", r.Offset, size)
	}
	r.Data = q[12:]
	return r, nil
}

// CheckName accepts 1 to MaxName bytes of ASCII letters, digits, '.', '_'
// and '-', not starting with '.': no path separators, no "..", nothing a
// shell or file system treats specially.
func CheckName(s string) error {
	if len(s) == 0 || len(s) > MaxName {
		return fmt.Errorf("file name of %d bytes, want 1 to %d", len(s), MaxName)
	}
	if s[0] == '.' {
		return fmt.Errorf("file name %q starts with a dot", s)
	}
	for i := range len(s) {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == '-'
		if !ok {
			return fmt.Errorf("file name %q has byte 0x%02x at %d", s, c, i)
		}
	}
	return nil
}
