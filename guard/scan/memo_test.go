package scan

import (
	"fmt"
	"testing"
)

// TestMemoPerScanner checks that a text found clean by one scanner is still
// scanned in full by another, and that the memo's bound changes nothing.
func TestMemoPerScanner(t *testing.T) {
	lax, strict := New(nil, nil), New([]string{"Ada Lovelace"}, []string{"SECRET"})
	doc := []byte(`{"note":"ada lovelace","k":"top secret"}`)
	tests := []struct {
		name string
		s    *Scanner
		want int
	}{
		{"lax first", lax, 0},
		{"strict after lax", strict, 2},
		{"lax again", lax, 0},
		{"strict again", strict, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 3 {
				found, err := tt.s.Entry(doc)
				if err != nil || len(found) != tt.want {
					t.Fatalf("Entry = %v, %v; want %d findings", found, err, tt.want)
				}
			}
		})
	}

	// Fill the memo past its bound with clean texts, then a dirty one.
	for i := range 2 * memoMaxTexts {
		if found, _ := strict.Entry(fmt.Appendf(nil, `{"k%d":"v%d"}`, i, i)); len(found) != 0 {
			t.Fatalf("clean text %d: got findings %v, want none", i, found)
		}
	}
	if found, _ := strict.Entry([]byte(`{"k1":"v1 SECRET"}`)); len(found) != 1 {
		t.Fatalf("after the memo filled: got findings %v, want one dirty word", found)
	}
}

func TestMemoBounds(t *testing.T) {
	var m memo
	s := New(nil, nil)
	long := make([]byte, memoMaxText+1)
	m.has(s, long)
	m.add(long)
	if m.has(s, long) {
		t.Fatalf("text of %d bytes remembered, want at most %d", len(long), memoMaxText)
	}
	for i := range memoMaxTexts + 1 {
		m.add(fmt.Appendf(nil, "t%d", i))
	}
	if got := len(m.texts); got > memoMaxTexts {
		t.Fatalf("memo holds %d texts, want at most %d", got, memoMaxTexts)
	}
}
