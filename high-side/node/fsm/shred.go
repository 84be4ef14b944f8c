package fsm

import (
	"encoding/binary"
	"fmt"
	"slices"

	"go.etcd.io/bbolt"

	"bastion/shared/entry"
)

// KindShred is the kind of a Shred command.
const KindShred Kind = 4

// Shred destroys the openings (values and salts) of the earlier entries at
// Indexes and records Item, the disposal entry that announces it, in one
// transaction on every node. Entries, leaf hashes and tree hashes do not
// change, so every root and proof stays valid.
type Shred struct {
	Indexes []uint64
	Item    Item
}

// Kind returns KindShred.
func (*Shred) Kind() Kind { return KindShred }

func (s *Shred) sizeHint() int {
	return (1+len(s.Indexes))*binary.MaxVarintLen64 + s.Item.sizeHint()
}

func (s *Shred) appendTo(b []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s.Indexes)))
	for _, i := range s.Indexes {
		b = binary.AppendUvarint(b, i)
	}
	return s.Item.appendTo(b)
}

func (r *reader) shred() *Shred {
	n := r.uvarint("index count")
	if r.err == nil && (n == 0 || n > entry.MaxDisposalIndexes) {
		r.fail("%d indexes to shred, want 1 to %d", n, entry.MaxDisposalIndexes)
	}
	if r.err != nil {
		return nil
	}
	s := &Shred{Indexes: make([]uint64, 0, n)}
	for i := uint64(0); i < n && r.err == nil; i++ {
		s.Indexes = append(s.Indexes, r.uvarint("index"))
	}
	s.Item = r.item()
	return s
}

// applyShred records the disposal entry and, unless its ID was recorded
// before, destroys the openings of the indexes. The indexes must be
// sorted, unique and below the ledger's size before this batch, so that
// no entry staged in the same batch is named.
func (f *FSM) applyShred(tx *bbolt.Tx, c *Shred, m *metaState) (*AppendResult, error) {
	r, err := f.ledger.Reader(tx)
	if err != nil {
		return nil, err
	}
	size, err := r.Size()
	if err != nil {
		return nil, err
	}
	if !slices.IsSorted(c.Indexes) || len(slices.Compact(slices.Clone(c.Indexes))) != len(c.Indexes) {
		return nil, fmt.Errorf("%w: shred indexes not sorted and unique", ErrBadItem)
	}
	if last := c.Indexes[len(c.Indexes)-1]; last >= size {
		return nil, fmt.Errorf("%w: shred index %d beyond the ledger's %d entries", ErrBadItem, last, size)
	}
	res, err := f.applyAppend(tx, []Item{c.Item}, m)
	if err != nil || res.Results[0].Duplicate {
		return res, err
	}
	for _, i := range c.Indexes {
		if err := f.ledger.ShredOpenings(tx, i); err != nil {
			return nil, fmt.Errorf("failed to shred entry %d: %w", i, err)
		}
	}
	return res, nil
}
