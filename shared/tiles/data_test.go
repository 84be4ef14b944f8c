package tiles

import (
	"bytes"
	"testing"
)

func FuzzParseTile(f *testing.F) {
	f.Add(0, uint64(0), 1, make([]byte, 32))
	f.Add(2, uint64(7), 256, make([]byte, 256*32))
	f.Add(0, uint64(0), 3, make([]byte, 95))
	f.Fuzz(func(t *testing.T, level int, index uint64, width int, data []byte) {
		tile := Tile{level, index, width}
		hs, err := ParseTile(tile, data)
		if err != nil {
			return
		}
		if got := encodeHashes(hs); !bytes.Equal(got, data) || len(hs) != width {
			t.Fatalf("ParseTile(%s) = %d hashes that encode differently", tile, len(hs))
		}
	})
}

func FuzzParseBundle(f *testing.F) {
	f.Add(1, []byte{0, 2, 'a', 'b'})
	f.Add(2, []byte{0, 0, 0, 1, 'x'})
	f.Add(1, []byte{0, 5, 'a'})
	f.Add(1, []byte{0})
	f.Fuzz(func(t *testing.T, width int, data []byte) {
		tile := Tile{EntriesLevel, 0, width}
		es, err := ParseBundle(tile, data)
		if err != nil {
			return
		}
		if got := EncodeBundle(es); !bytes.Equal(got, data) || len(es) != width {
			t.Fatalf("ParseBundle: %d entries re-encode to %x, want %x", len(es), got, data)
		}
	})
}
