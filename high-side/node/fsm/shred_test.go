package fsm_test

import (
	"bytes"
	"errors"
	"testing"

	"bastion/high-side/node/fsm"
)

// withOpenings returns appendCmd's items with non-empty openings.
func withOpenings(t *testing.T, ids ...string) []byte {
	a := &fsm.Append{}
	for _, id := range ids {
		it := item(t, id)
		it.Openings = []byte(`[{"field":"account","salt":"AAAAAAAAAAAAAAAAAAAAAA==","value":"ACCT-` + id + `"}]`)
		a.Items = append(a.Items, it)
	}
	return fsm.Encode(a)
}

func shredCmd(t *testing.T, id string, indexes ...uint64) []byte {
	it := item(t, id)
	it.Openings = nil
	return fsm.Encode(&fsm.Shred{Indexes: indexes, Item: it})
}

func TestShred(t *testing.T) {
	m := open(t, "")
	m.apply(withOpenings(t, "a", "b", "c", "d"))
	rootBefore, err := m.Ledger().Root(4)
	if err != nil {
		t.Fatal(err)
	}

	got := m.apply(shredCmd(t, "disposal-1", 1, 3))
	if r, ok := got[0].(*fsm.AppendResult); !ok || r.Results[0].Index != 4 || r.Results[0].Duplicate {
		t.Fatalf("shred response %v, want the disposal entry at index 4", got[0])
	}
	for i, want := range []bool{true, false, true, false, false} {
		ops, err := m.Ledger().Openings(uint64(i))
		if err != nil || (len(ops) > 0) != want {
			t.Fatalf("entry %d: openings %q (%v), want present %v", i, ops, err, want)
		}
	}
	if root, _ := m.Ledger().Root(4); root != rootBefore {
		t.Fatalf("root of size 4: got %s, want %s", root, rootBefore)
	}

	// Resending the command records nothing new.
	again := m.apply(shredCmd(t, "disposal-1", 1, 3))
	if r := again[0].(*fsm.AppendResult).Results[0]; !r.Duplicate || r.Index != 4 || m.LedgerSize() != 5 {
		t.Fatalf("resent shred: got %+v, size %d; want a duplicate of index 4, size 5", r, m.LedgerSize())
	}
}

func TestShredRejects(t *testing.T) {
	tests := []struct {
		name string
		cmd  func(t *testing.T) []byte
		want error
	}{
		{"beyond the ledger", func(t *testing.T) []byte { return shredCmd(t, "d", 1, 2) }, fsm.ErrBadItem},
		{"unsorted", func(t *testing.T) []byte { return shredCmd(t, "d", 1, 0) }, fsm.ErrBadItem},
		{"duplicate index", func(t *testing.T) []byte { return shredCmd(t, "d", 0, 0) }, fsm.ErrBadItem},
		{"no index", func(t *testing.T) []byte { return shredCmd(t, "d") }, fsm.ErrMalformedCommand},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := open(t, "")
			m.apply(withOpenings(t, "a", "b"))
			got := m.apply(tt.cmd(t))
			err, _ := got[0].(error)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", got[0], tt.want)
			}
			ops, _ := m.Ledger().Openings(0)
			if m.LedgerSize() != 2 || len(ops) == 0 {
				t.Fatalf("after a refused shred: size %d, openings %q; want 2 and unchanged", m.LedgerSize(), ops)
			}
		})
	}
}

func TestShredEncoding(t *testing.T) {
	b := shredCmd(t, "disposal-9", 0, 7, 300)
	c, err := fsm.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := c.(*fsm.Shred)
	if !ok || len(s.Indexes) != 3 || s.Indexes[2] != 300 || s.Item.ID != "disposal-9" {
		t.Fatalf("decoded %+v, want indexes 0, 7, 300 and item disposal-9", c)
	}
	if again := fsm.Encode(s); !bytes.Equal(again, b) {
		t.Fatal("re-encoding differs")
	}
}

func FuzzDecodeShred(f *testing.F) {
	f.Add(fsm.Encode(&fsm.Shred{Indexes: []uint64{1, 2}, Item: fsm.Item{ID: "d", Entry: []byte("{}")}}))
	f.Add([]byte{fsm.CommandVersion, byte(fsm.KindShred), 0})
	f.Add([]byte{fsm.CommandVersion, byte(fsm.KindShred), 0xff, 0xff, 0xff, 0xff, 0x0f})
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
