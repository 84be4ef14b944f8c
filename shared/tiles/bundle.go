package tiles

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// MaxEntry is the longest entry a bundle can frame (uint16 length); a
// longer one is written as a zero-length placeholder.
const MaxEntry = 1<<16 - 1

// ErrBundle is returned for a malformed entry bundle.
var ErrBundle = errors.New("malformed entry bundle")

// EncodeBundle returns the content of an entry bundle: each entry as a
// big-endian uint16 length and its bytes (C2SP tlog-tiles). A nil entry,
// or one longer than MaxEntry, is written with length zero.
func EncodeBundle(entries [][]byte) []byte {
	n := 0
	for _, e := range entries {
		n += 2 + len(e)
	}
	out := make([]byte, 0, n)
	for _, e := range entries {
		if len(e) > MaxEntry {
			e = nil
		}
		out = binary.BigEndian.AppendUint16(out, uint16(len(e)))
		out = append(out, e...)
	}
	return out
}

// ParseBundle splits the content of entry bundle t into its t.Width
// entries; a zero-length entry is returned as nil. The returned entries
// alias data. It returns ErrBundle when data holds another number of
// entries, or a length runs past its end.
func ParseBundle(t Tile, data []byte) ([][]byte, error) {
	if !t.Entries() || t.Width < 1 || t.Width > Width {
		return nil, fmt.Errorf("%w: %s is not an entry bundle", ErrBundle, t)
	}
	out := make([][]byte, 0, t.Width)
	for len(data) > 0 {
		if len(out) == t.Width {
			return nil, fmt.Errorf("%w: %s: %d bytes after entry %d", ErrBundle, t, len(data), t.Width)
		}
		if len(data) < 2 {
			return nil, fmt.Errorf("%w: %s: entry %d: length cut short", ErrBundle, t, len(out))
		}
		n := int(binary.BigEndian.Uint16(data))
		if len(data)-2 < n {
			return nil, fmt.Errorf("%w: %s: entry %d: length %d exceeds the %d bytes left",
				ErrBundle, t, len(out), n, len(data)-2)
		}
		var e []byte
		if n > 0 {
			e = data[2 : 2+n : 2+n]
		}
		out = append(out, e)
		data = data[2+n:]
	}
	if len(out) != t.Width {
		return nil, fmt.Errorf("%w: %s holds %d entries, want %d", ErrBundle, t, len(out), t.Width)
	}
	return out, nil
}
