package scan

// Bounds of the memo of clean texts.
const (
	memoMaxText  = 64  // longest text remembered, in bytes
	memoMaxTexts = 512 // texts remembered before the memo starts over
)

// memo remembers short texts in which one scanner found nothing. The
// findings of a text depend only on the text and the scanner's lists, so a
// text seen clean before is clean again: the keys and the enumerated
// values that every entry repeats ("side", "buy", "symbol") are scanned
// once per memo instead of once per entry. Texts that differ in any byte
// are scanned in full. The memo is bounded: when full it starts over, so
// input made of distinct texts costs a lookup each and no memory growth.
// A memo belongs to one walker and is not safe for concurrent use.
type memo struct {
	s     *Scanner
	texts map[string]struct{}
}

// has reports whether text was found clean by s.
func (m *memo) has(s *Scanner, text []byte) bool {
	if m.s != s {
		m.s, m.texts = s, nil
	}
	if len(text) > memoMaxText || m.texts == nil {
		return false
	}
	_, ok := m.texts[string(text)]
	return ok
}

// add remembers text as clean for the scanner last passed to has.
func (m *memo) add(text []byte) {
	if len(text) > memoMaxText {
		return
	}
	if m.texts == nil || len(m.texts) >= memoMaxTexts {
		m.texts = make(map[string]struct{}, memoMaxTexts)
	}
	m.texts[string(text)] = struct{}{}
}
