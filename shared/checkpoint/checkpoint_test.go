package checkpoint

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"bastion/shared/merkle"
)

func sampleCheckpoint() Checkpoint {
	return Checkpoint{Origin: OriginFor("trading-floor"), Size: 1234, Root: merkle.LeafHash([]byte("x"))}
}

func TestMarshalParseRoundTrip(t *testing.T) {
	tests := []Checkpoint{
		sampleCheckpoint(),
		{Origin: OriginFor("a"), Size: 0, Root: merkle.EmptyRoot()},
		{Origin: OriginFor("b"), Size: MaxSize, Root: merkle.Hash{0xff}, Extensions: []string{"ext one", "x"}},
	}
	for _, c := range tests {
		b := c.Marshal()
		got, err := Parse(b)
		if err != nil {
			t.Fatalf("Parse(%q): %v", b, err)
		}
		if diff := cmp.Diff(c, got); diff != "" {
			t.Fatalf("round trip differs (-want +got):\n%s", diff)
		}
		if again := got.Marshal(); !bytes.Equal(again, b) {
			t.Fatalf("re-encoding gives %q, want %q", again, b)
		}
	}
}

func TestMarshalFormat(t *testing.T) {
	c := Checkpoint{Origin: "bastion.example/ledger/l1", Size: 7, Root: merkle.EmptyRoot()}
	want := "bastion.example/ledger/l1\n7\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
	if got := string(c.Marshal()); got != want {
		t.Fatalf("Marshal = %q, want %q", got, want)
	}
}

func TestParseRejects(t *testing.T) {
	root := "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
	o := "bastion.example/ledger/l1\n"
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "does not end in a newline"},
		{"no final newline", o + "7\n" + root, "does not end in a newline"},
		{"two lines", o + "7\n", "2 lines"},
		{"leading zero", o + "07\n" + root + "\n", "size line"},
		{"plus sign", o + "+7\n" + root + "\n", "size line"},
		{"minus sign", o + "-7\n" + root + "\n", "size line"},
		{"space in size", o + " 7\n" + root + "\n", "size line"},
		{"empty size", o + "\n" + root + "\n", "size line"},
		{"size over int64", o + "9223372036854775808\n" + root + "\n", "out of range"},
		{"size over uint64", o + "18446744073709551616\n" + root + "\n", "out of range"},
		{"root unpadded", o + "7\n" + strings.TrimSuffix(root, "=") + "\n", "43 characters"},
		{"root too long", o + "7\n" + root + "AAAA\n", "48 characters"},
		{"root non-canonical bits", o + "7\n" + root[:42] + "V=\n", "not the base64"},
		{"root url alphabet", o + "7\n" + strings.ReplaceAll(root, "+", "-") + "\n", "not the base64"},
		{"empty origin", "\n7\n" + root + "\n", "origin: empty"},
		{"space in origin", "a b\n7\n" + root + "\n", "origin: byte 1"},
		{"tab in origin", "a\tb\n7\n" + root + "\n", "origin: byte 1"},
		{"non-ascii origin", "\u00e9\n7\n" + root + "\n", "origin: byte 0"},
		{"empty extension", o + "7\n" + root + "\n\n", "extension 1: empty"},
		{"crlf", o + "7\r\n" + root + "\n", "size line"},
		{"too many extensions", o + "7\n" + root + "\n" + strings.Repeat("e\n", MaxExtensions+1), "17 extension lines"},
		{"too long", o + "7\n" + root + "\n" + strings.Repeat("e", 5000) + "\n", "at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			if !errors.Is(err, ErrMalformedCheckpoint) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse(%q) = %v, want malformed checkpoint mentioning %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestOrigin(t *testing.T) {
	tests := []struct {
		link string
		ok   bool
	}{
		{"trading-floor", true},
		{"a.b_c-9", true},
		{"", false},
		{".hidden", false},
		{"a/b", false},
		{"a b", false},
		{strings.Repeat("x", MaxLinkLen), true},
		{strings.Repeat("x", MaxLinkLen+1), false},
	}
	for _, tt := range tests {
		link, ok := LinkFromOrigin(OriginFor(tt.link))
		if ok != tt.ok || ok && link != tt.link {
			t.Errorf("LinkFromOrigin(OriginFor(%q)) = %q, %v; want ok %v", tt.link, link, ok, tt.ok)
		}
	}
	if _, ok := LinkFromOrigin("other.example/ledger/x"); ok {
		t.Error("LinkFromOrigin accepted a foreign origin")
	}
}

func FuzzParse(f *testing.F) {
	f.Add(sampleCheckpoint().Marshal())
	f.Add([]byte("o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next\n"))
	f.Add([]byte("o\n01\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := Parse(in)
		if err != nil {
			return
		}
		if out := c.Marshal(); !bytes.Equal(out, in) {
			t.Fatalf("Parse(%q) re-encodes as %q", in, out)
		}
	})
}
