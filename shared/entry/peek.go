package entry

import (
	"encoding/json"
	"errors"
	"fmt"
)

// PeekLabel returns the label of an encoded envelope without decoding the
// rest of it: it walks the top-level object, skipping every other member,
// and decodes only the "label" value. It is meant for entries the ledger
// already holds (checked by Parse or produced by Encode); on bytes that are
// not a JSON object with a valid label it returns an error, so a caller
// that treats an error as "not releasable" fails closed.
func PeekLabel(b []byte) (Label, error) {
	var l Label
	v, err := topLevelMember(b, "label")
	if err != nil {
		return l, err
	}
	if err := json.Unmarshal(v, &l); err != nil {
		return l, fmt.Errorf("malformed entry label: %v", err)
	}
	if err := l.Validate(); err != nil {
		return l, err
	}
	return l, nil
}

var errNoMember = errors.New("member not found")

// topLevelMember returns the raw value of the member named key in the JSON
// object b. Keys are compared byte for byte with their escapes undone only
// when they contain none (canonical keys never do).
func topLevelMember(b []byte, key string) ([]byte, error) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, errors.New("malformed entry: not a JSON object")
	}
	i++
	for {
		i = skipSpace(b, i)
		if i < len(b) && b[i] == '}' {
			return nil, fmt.Errorf("malformed entry: %q %w", key, errNoMember)
		}
		ks, ke, err := scanString(b, i)
		if err != nil {
			return nil, err
		}
		name := b[ks+1 : ke-1]
		i = skipSpace(b, ke)
		if i >= len(b) || b[i] != ':' {
			return nil, errors.New("malformed entry: missing ':' after a key")
		}
		vs := skipSpace(b, i+1)
		ve, err := skipValue(b, vs, 0)
		if err != nil {
			return nil, err
		}
		if string(name) == key {
			return b[vs:ve], nil
		}
		i = skipSpace(b, ve)
		if i >= len(b) {
			return nil, errors.New("malformed entry: unterminated object")
		}
		switch b[i] {
		case ',':
			i++
		case '}':
			return nil, fmt.Errorf("malformed entry: %q %w", key, errNoMember)
		default:
			return nil, fmt.Errorf("malformed entry: unexpected %q at offset %d", b[i], i)
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString returns the bounds [start, end) of the JSON string at i,
// quotes included.
func scanString(b []byte, i int) (start, end int, err error) {
	if i >= len(b) || b[i] != '"' {
		return 0, 0, fmt.Errorf("malformed entry: expected a string at offset %d", i)
	}
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return i, j + 1, nil
		}
	}
	return 0, 0, errors.New("malformed entry: unterminated string")
}

// maxPeekDepth bounds nesting so a hostile value cannot exhaust the stack.
const maxPeekDepth = 64

// skipValue returns the offset just past the JSON value starting at i. It
// checks structure only as far as needed to find the value's end.
func skipValue(b []byte, i, depth int) (int, error) {
	if depth > maxPeekDepth {
		return 0, errors.New("malformed entry: nested too deeply")
	}
	if i >= len(b) {
		return 0, errors.New("malformed entry: missing value")
	}
	switch b[i] {
	case '"':
		_, end, err := scanString(b, i)
		return end, err
	case '{', '[':
		closing := byte('}')
		if b[i] == '[' {
			closing = ']'
		}
		j := skipSpace(b, i+1)
		if j < len(b) && b[j] == closing {
			return j + 1, nil
		}
		for {
			if closing == '}' {
				_, ke, err := scanString(b, j)
				if err != nil {
					return 0, err
				}
				j = skipSpace(b, ke)
				if j >= len(b) || b[j] != ':' {
					return 0, errors.New("malformed entry: missing ':' after a key")
				}
				j = skipSpace(b, j+1)
			}
			end, err := skipValue(b, j, depth+1)
			if err != nil {
				return 0, err
			}
			j = skipSpace(b, end)
			if j >= len(b) {
				return 0, errors.New("malformed entry: unterminated value")
			}
			if b[j] == closing {
				return j + 1, nil
			}
			if b[j] != ',' {
				return 0, fmt.Errorf("malformed entry: unexpected %q at offset %d", b[j], j)
			}
			j = skipSpace(b, j+1)
		}
	default:
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\t' && b[j] != '\r' {
			j++
		}
		if j == i {
			return 0, fmt.Errorf("malformed entry: unexpected %q at offset %d", b[i], i)
		}
		return j, nil
	}
}
