package checkpoint

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func sigLine(name string, raw []byte) string {
	return "\u2014 " + name + " " + base64.StdEncoding.EncodeToString(raw) + "\n"
}

func TestParseNoteRejects(t *testing.T) {
	text := string(sampleCheckpoint().Marshal())
	good := sigLine("k", []byte{0, 0, 0, 1, 9, 9})
	tests := []struct {
		name, in, want string
	}{
		{"no blank line", text + good, "no blank line"},
		{"no signatures", text + "\n", "signature block missing"},
		{"no final newline", text + "\n" + strings.TrimSuffix(good, "\n"), "not ended by a newline"},
		{"hyphen not em dash", text + "\n- k AAAAAQk=\n", "em dash"},
		{"no key name", text + "\n\u2014  AAAAAQk=\n", "invalid key name"},
		{"plus in name", text + "\n" + sigLine("a+b", []byte{0, 0, 0, 1, 9}), "invalid key name"},
		{"no signature", text + "\n\u2014 k\n", "invalid key name"},
		{"key id only", text + "\n" + sigLine("k", []byte{0, 0, 0, 1}), "not canonical base64"},
		{"bad base64", text + "\n\u2014 k !!!!\n", "not canonical base64"},
		{"unpadded base64", text + "\n\u2014 k AAAAAQk\n", "not canonical base64"},
		{"non-zero pad bits", text + "\n\u2014 k AAAAAQl=\n", "not canonical base64"},
		{"same key twice", text + "\n" + good + good, "signed twice"},
		{"control character", "a\x01\n\n" + good, "control character"},
		{"carriage return", text + "\r\n\n" + good, "control character"},
		{"invalid utf-8", "\xff\n\n" + good, "invalid UTF-8"},
		{"too many signatures", text + "\n" + manySigs(MaxSignatures+1), "17 signatures"},
		{"signature too long", text + "\n" + sigLine("k", make([]byte, 5+MaxSignatureSize)), "at most"},
		{"too large", strings.Repeat("a", MaxNoteSize) + "\n\n" + good, "at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseNote([]byte(tt.in))
			if !errors.Is(err, ErrMalformedNote) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseNote = %v, want malformed note mentioning %q", err, tt.want)
			}
		})
	}
}

func manySigs(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(sigLine("k", []byte{0, 0, 0, byte(i), 1}))
	}
	return b.String()
}

func TestParseNoteLastBlankLine(t *testing.T) {
	// The text may hold blank lines: the last one separates the signatures.
	in := "a\n\nb\n\n" + sigLine("k", []byte{1, 2, 3, 4, 5})
	n, err := ParseNote([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if string(n.Text) != "a\n\nb\n" || len(n.Signatures) != 1 || n.Signatures[0].KeyID != 0x01020304 {
		t.Fatalf("ParseNote = text %q, %d signatures", n.Text, len(n.Signatures))
	}
	// A checkpoint body cannot hold one, so Open rejects such a note.
	if _, err := Parse(n.Text); err == nil {
		t.Fatal("Parse accepted a body with an empty line")
	}
}

func FuzzParseNote(f *testing.F) {
	k := newEdKey(f, "bastion.example/high-side")
	signed, err := Sign(sampleCheckpoint(), k.key, k)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(signed)
	f.Add([]byte("a\n\n" + sigLine("k", []byte{1, 2, 3, 4, 5}) + sigLine("j", []byte{1, 2, 3, 4, 5})))
	f.Add([]byte("\n\n\u2014 k AAAAAQk=\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		n, err := ParseNote(in)
		if err != nil {
			return
		}
		if out := n.Marshal(); !bytes.Equal(out, in) {
			t.Fatalf("ParseNote(%q) re-encodes as %q", in, out)
		}
		_, _ = Open(in, k.key, k)
	})
}
