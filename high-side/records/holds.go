package records

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/pelletier/go-toml/v2"
)

// Hold is one legal hold: a matter and the records it preserves, by
// ledger index or by entry ID. A hold on a record's index also preserves
// every amendment of it.
type Hold struct {
	Matter  string   `toml:"matter"`
	Indexes []uint64 `toml:"indexes"`
	IDs     []string `toml:"ids"`
}

// Holds is the set of legal holds in force. The zero value holds nothing.
// It is read-only after loading and safe for concurrent use.
type Holds struct {
	index map[uint64]string // ledger index → matter
	id    map[string]string // entry ID → matter
}

// ParseHolds reads holds in TOML: one [[hold]] table per matter with a
// matter name and the indexes and IDs it preserves. Unknown keys, a hold
// without a matter or without any record are errors naming the key.
func ParseHolds(b []byte) (*Holds, error) {
	var f struct {
		Hold []Hold `toml:"hold"`
	}
	dec := toml.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return nil, fmt.Errorf("malformed holds at line %d column %d: %v", row, col, err)
		}
		return nil, fmt.Errorf("malformed holds: %v", err)
	}
	h := &Holds{index: map[uint64]string{}, id: map[string]string{}}
	for i, hold := range f.Hold {
		if err := h.add(hold); err != nil {
			return nil, fmt.Errorf("hold[%d]: %v", i, err)
		}
	}
	return h, nil
}

func (h *Holds) add(hold Hold) error {
	if hold.Matter == "" || len(hold.Matter) > 128 {
		return errors.New("matter: missing or longer than 128 bytes")
	}
	if len(hold.Indexes) == 0 && len(hold.IDs) == 0 {
		return fmt.Errorf("matter %q holds no index and no id", hold.Matter)
	}
	for _, i := range hold.Indexes {
		h.index[i] = hold.Matter
	}
	for _, id := range hold.IDs {
		if id == "" {
			return fmt.Errorf("ids: empty id in matter %q", hold.Matter)
		}
		h.id[id] = hold.Matter
	}
	return nil
}

// Held returns the matter holding the entry at index with ID id, or of
// the record it amends (record, when amends is set), and whether one
// does.
func (h *Holds) Held(index uint64, id string, record uint64, amends bool) (string, bool) {
	if h == nil {
		return "", false
	}
	if m, ok := h.index[index]; ok {
		return m, true
	}
	if m, ok := h.id[id]; ok {
		return m, true
	}
	if amends {
		m, ok := h.index[record]
		return m, ok
	}
	return "", false
}
