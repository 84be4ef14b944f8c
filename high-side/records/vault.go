package records

import (
	"encoding/json"
	"errors"
	"fmt"

	"go.etcd.io/bbolt"

	"bastion/high-side/ledger"
	"bastion/shared/entry"
)

// Errors returned by the vault.
var (
	// ErrShredded is returned when the value asked for was destroyed by a
	// disposal, or never stored.
	ErrShredded = errors.New("value shredded or never stored")
	// ErrNoField is returned when the entry's openings hold no such field.
	ErrNoField = errors.New("entry has no opening for this field")
)

// OpeningReader reads the openings stored with ledger entries;
// *ledger.Reader and *ledger.Ledger satisfy it.
type OpeningReader interface {
	Openings(index uint64) ([]byte, error)
}

// Openings returns every opening stored with the entry at index. It
// returns ErrShredded when there are none, and an error for a stored
// value that does not decode.
func Openings(r OpeningReader, index uint64) ([]entry.Opening, error) {
	raw, err := r.Openings(index)
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("%w: entry %d", ErrShredded, index)
	}
	var ops []entry.Opening
	if err := json.Unmarshal(raw, &ops); err != nil {
		return nil, fmt.Errorf("corrupt openings of entry %d: %v", index, err)
	}
	return ops, nil
}

// Opening returns the opening of field in the entry at index: ErrShredded
// when the entry's values were destroyed, ErrNoField when it has none for
// field.
func Opening(r OpeningReader, index uint64, field string) (entry.Opening, error) {
	ops, err := Openings(r, index)
	if err != nil {
		return entry.Opening{}, err
	}
	for _, op := range ops {
		if op.Field == field {
			return op, nil
		}
	}
	return entry.Opening{}, fmt.Errorf("%w: entry %d, field %q", ErrNoField, index, field)
}

// Shred destroys the openings of the entries at indexes inside tx, a
// writable transaction of l's database; see ledger.ShredOpenings for what
// is overwritten and what bbolt keeps until the file is compacted. An
// index already shredded is skipped. Leaf and tree hashes do not change.
func Shred(tx *bbolt.Tx, l *ledger.Ledger, indexes []uint64) error {
	for _, i := range indexes {
		if err := l.ShredOpenings(tx, i); err != nil {
			return fmt.Errorf("failed to shred entry %d: %w", i, err)
		}
	}
	return nil
}
