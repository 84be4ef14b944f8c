package fsm_test

import (
	"bytes"
	"testing"

	"bastion/high-side/node/fsm"
)

// FuzzDecode checks that Decode never panics and that whatever it accepts
// encodes back to the same bytes.
func FuzzDecode(f *testing.F) {
	f.Add(appendCmd(f, "a", "b"))
	f.Add(fsm.Encode(&fsm.AdvanceExport{Link: "l", Record: fsm.ExportRecord{Seq: 1, Size: 2, Checkpoint: []byte("n")}}))
	f.Add(fsm.Encode(&fsm.ConfigChange{Key: "k", Content: []byte("v"), Item: item(f, "c")}))
	f.Add([]byte{1, 1, 0x80, 0x00})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := fsm.Decode(b)
		if err != nil {
			return
		}
		if again := fsm.Encode(c); !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs:\n got %x\nwant %x", again, b)
		}
	})
}

// FuzzApply feeds arbitrary commands to one state machine: none may panic,
// and a rejected one must not change the ledger.
func FuzzApply(f *testing.F) {
	f.Add(appendCmd(f, "a"))
	f.Add(fsm.Encode(&fsm.AdvanceExport{Link: "l", Record: fsm.ExportRecord{Seq: 1, Size: 1, Checkpoint: []byte("n")}}))
	f.Add([]byte{1, 3, 1, 'k', 0, 1, 'x', 0, 0, 0})
	m := open(f, "")
	f.Fuzz(func(t *testing.T, b []byte) {
		before := m.LedgerSize()
		resp := m.apply(b)[0]
		if _, isErr := resp.(error); isErr && m.LedgerSize() != before {
			t.Fatalf("rejected command grew the ledger from %d to %d", before, m.LedgerSize())
		}
	})
}
