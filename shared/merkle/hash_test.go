package merkle

import (
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
)

// RFC 6962 test vectors, as used by the Certificate Transparency reference
// implementation: MTH({}) and the leaf hash of the empty string.
const (
	emptyRootHex     = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	emptyLeafHashHex = "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
)

func TestEmptyRoot(t *testing.T) {
	if got := EmptyRoot().String(); got != emptyRootHex {
		t.Fatalf("EmptyRoot() = %s, want %s", got, emptyRootHex)
	}
	var c Compact
	if got := c.Root(); got != EmptyRoot() {
		t.Fatalf("empty Compact root = %s, want %s", got, emptyRootHex)
	}
}

func TestLeafAndNodeHash(t *testing.T) {
	if got := LeafHash(nil).String(); got != emptyLeafHashHex {
		t.Fatalf("LeafHash(\"\") = %s, want %s", got, emptyLeafHashHex)
	}
	l, r := LeafHash([]byte("a")), LeafHash([]byte("b"))
	want := sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
	if got := NodeHash(l, r); got != Hash(want) {
		t.Fatalf("NodeHash = %s, want %s", got, Hash(want))
	}
	if NodeHash(l, r) == NodeHash(r, l) {
		t.Fatal("NodeHash is symmetric, want order to matter")
	}
}

func TestHashText(t *testing.T) {
	h := LeafHash([]byte("x"))
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"` + h.String() + `"`; string(b) != want {
		t.Fatalf("json = %s, want %s", b, want)
	}
	var back Hash
	if err := json.Unmarshal(b, &back); err != nil || back != h {
		t.Fatalf("round trip = %s, %v; want %s", back, err, h)
	}
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"short", emptyRootHex[:62]},
		{"long", emptyRootHex + "00"},
		{"upper case", strings.ToUpper(emptyRootHex)},
		{"not hex", "zz" + emptyRootHex[2:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := h
			if err := got.UnmarshalText([]byte(tt.in)); err == nil {
				t.Fatalf("UnmarshalText(%q) = nil error, want an error", tt.in)
			}
			if got != h {
				t.Fatalf("failed UnmarshalText changed the hash to %s", got)
			}
		})
	}
}

func FuzzHashUnmarshalText(f *testing.F) {
	f.Add(emptyRootHex)
	f.Add(strings.ToUpper(emptyRootHex))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHash(s)
		if err != nil {
			return
		}
		if h.String() != s {
			t.Fatalf("ParseHash(%q) re-encodes as %q", s, h.String())
		}
	})
}
