package records

import (
	"bytes"
	"strings"
	"testing"

	"bastion/high-side/ledger"
	"bastion/shared/merkle"
)

// TestEntryCarriesNoValue checks the redaction the low side relies on:
// the recorded bytes hold commitments, never the values or salts, and
// their RFC 6962 leaf hash is the ledger's, so a reader with the bytes
// alone recomputes every leaf and root.
func TestEntryCarriesNoValue(t *testing.T) {
	tl := newLedger(t)
	var values [][]byte
	for i := range 4 {
		e, ops := payment(t, id("p", i), epoch)
		tl.add(t, e, ops)
		for _, op := range ops {
			values = append(values, []byte(op.Value), op.Salt)
		}
	}
	tl.view(t, func(r *ledger.Reader) {
		var c merkle.Compact
		for i := uint64(0); i < 4; i++ {
			raw, err := r.Entry(i)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range values {
				if bytes.Contains(raw, v) {
					t.Fatalf("entry %d holds the value or salt %q", i, v)
				}
			}
			leaf, _ := r.LeafHash(i)
			if merkle.LeafHash(raw) != leaf {
				t.Fatalf("entry %d: leaf from bytes %s, ledger's %s", i, merkle.LeafHash(raw), leaf)
			}
			c.Append(leaf)
		}
		if root, _ := r.Root(4); c.Root() != root {
			t.Fatalf("root from bytes %s, ledger's %s", c.Root(), root)
		}
	})
}

func TestParseHoldsRejects(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"no matter", "[[hold]]\nindexes = [1]\n", "hold[0]: matter"},
		{"nothing held", "[[hold]]\nmatter = \"m\"\n", "holds no index"},
		{"empty id", "[[hold]]\nmatter = \"m\"\nids = [\"\"]\n", "empty id"},
		{"unknown key", "[[hold]]\nmatter = \"m\"\nindexes = [1]\nuntil = 3\n", "line 4"},
		{"negative index", "[[hold]]\nmatter = \"m\"\nindexes = [-1]\n", "malformed holds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseHolds([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	h, err := ParseHolds([]byte("[[hold]]\nmatter = \"m\"\nindexes = [7]\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		index, record uint64
		amends, want  bool
	}{{7, 0, false, true}, {8, 7, true, true}, {8, 7, false, false}, {8, 6, true, false}} {
		if _, got := h.Held(tt.index, "x", tt.record, tt.amends); got != tt.want {
			t.Fatalf("Held(%d, record %d, amends %v) = %v, want %v", tt.index, tt.record, tt.amends, got, tt.want)
		}
	}
	var none *Holds
	if _, held := none.Held(1, "x", 0, false); held {
		t.Fatal("nil holds held an entry")
	}
}
