package ledger

import (
	"encoding/binary"
	"errors"
	"fmt"

	"go.etcd.io/bbolt"
)

// ShredOpenings destroys the openings stored with the entry at index,
// inside tx, which must be writable: the value is first overwritten with
// zeros of its length, then deleted. The entry, its leaf hash and every
// tree hash are untouched, so every root and proof stays the same. An
// index without openings is left alone. It returns ErrBeyondSize for an
// index beyond the ledger.
//
// bbolt writes copies of pages, never in place: the overwrite and the
// delete free the page that held the value, but its bytes stay in the
// file until bbolt reuses the page, and in any earlier Raft snapshot or
// log segment. Only a compaction of the file (bbolt compact) and the
// truncation of older snapshots and logs remove them from the disk.
func (l *Ledger) ShredOpenings(tx *bbolt.Tx, index uint64) error {
	if !tx.Writable() {
		return errors.New("failed to shred openings: transaction is read-only")
	}
	bk, err := bucketsOf(tx)
	if err != nil {
		return err
	}
	if err := (&Reader{bk: bk}).checkIndex(index); err != nil {
		return err
	}
	key := u64(index)
	v := bk.openings.Get(key)
	if v == nil {
		return nil
	}
	if err := bk.openings.Put(key, make([]byte, len(v))); err != nil {
		return fmt.Errorf("failed to overwrite openings %d: %w", index, err)
	}
	if err := bk.openings.Delete(key); err != nil {
		return fmt.Errorf("failed to delete openings %d: %w", index, err)
	}
	return nil
}

// OpeningIndexes calls fn, in index order, with every index from first on
// whose entry still has openings, until fn returns false.
func (r *Reader) OpeningIndexes(first uint64, fn func(index uint64) bool) {
	c := r.bk.openings.Cursor()
	for k, _ := c.Seek(u64(first)); k != nil; k, _ = c.Next() {
		if len(k) == 8 && !fn(binary.BigEndian.Uint64(k)) {
			return
		}
	}
}
