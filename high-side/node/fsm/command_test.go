package fsm

import (
	"bytes"
	"reflect"
	"testing"
)

// TestEncodeSizeHint checks that the size hint Encode allocates by is
// never below the encoding's length, so one allocation holds it.
func TestEncodeSizeHint(t *testing.T) {
	item := Item{ID: "o-1", Entry: bytes.Repeat([]byte("e"), 300), Openings: []byte("[]"), Receipt: bytes.Repeat([]byte("r"), 200)}
	for _, c := range []Command{
		&Append{Items: []Item{item, item}},
		&AdvanceExport{Link: "diode", Record: ExportRecord{Seq: 1 << 60, First: 1 << 62, Size: 1<<63 + 5, Checkpoint: bytes.Repeat([]byte("c"), 1000)}},
		&ConfigChange{Key: "rules", Content: bytes.Repeat([]byte("x"), 5000), Item: item},
		&RulePack{Version: "2026.1", Pack: bytes.Repeat([]byte("p"), 700), Item: item},
		&Shred{Indexes: []uint64{1, 1 << 40, 1<<64 - 1}, Item: item},
	} {
		b := Encode(c)
		if hint := 2 + c.sizeHint(); hint < len(b) {
			t.Errorf("%T: hint %d below encoding length %d", c, hint, len(b))
		}
		if got, err := Decode(b); err != nil || !reflect.DeepEqual(Encode(got), b) {
			t.Errorf("%T: round trip failed: %v", c, err)
		}
	}
}
