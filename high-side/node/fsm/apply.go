package fsm

import (
	"encoding/binary"
	"fmt"

	"bastion/shared/entry"

	"go.etcd.io/bbolt"
)

// AppendResult is the response to an Append or a ConfigChange: one Result
// per item, in order.
type AppendResult struct {
	Results []Result
}

// Result says where one item landed. For a Duplicate (an ID recorded
// before, or earlier in the same command) Index and Receipt are those of
// the original.
type Result struct {
	Index     uint64
	Duplicate bool
	Receipt   []byte
}

// CheckEntry is the default entry check: entry must parse as a canonical
// envelope (entry.Parse) whose ID is id.
func CheckEntry(id string, b []byte) error {
	e, err := entry.Parse(b)
	if err != nil {
		return err
	}
	if e.ID != id {
		return fmt.Errorf("entry id %q differs from item id %q", e.ID, id)
	}
	return nil
}

func (f *FSM) checkItem(it *Item) error {
	if !validID(it.ID) {
		return fmt.Errorf("%w: malformed id %q", ErrBadItem, it.ID)
	}
	if err := f.opts.CheckEntry(it.ID, it.Entry); err != nil {
		return fmt.Errorf("%w %q: %v", ErrBadItem, it.ID, err)
	}
	return nil
}

// applyAppend appends the items not yet recorded and stores their
// receipts. Every item is checked before anything is written.
func (f *FSM) applyAppend(tx *bbolt.Tx, items []Item, m *metaState) (*AppendResult, error) {
	for i := range items {
		if err := f.checkItem(&items[i]); err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
	}
	res := &AppendResult{Results: make([]Result, len(items))}
	first := make(map[string]int, len(items)) // ID → first new item with it
	var recs []Record
	var fresh []int
	for i, it := range items {
		if r, ok := getReceipt(tx, it.ID); ok {
			res.Results[i] = Result{Index: r.Index, Duplicate: true, Receipt: r.Receipt}
			continue
		}
		if _, ok := first[it.ID]; ok {
			continue
		}
		first[it.ID] = i
		recs = append(recs, Record{Entry: it.Entry, Openings: it.Openings, ID: it.ID})
		fresh = append(fresh, i)
	}
	if err := f.appendFresh(tx, items, recs, fresh, res, m); err != nil {
		return nil, err
	}

	// Later items repeating an ID of this command get the first's result.
	for i, it := range items {
		if j, ok := first[it.ID]; ok && j != i {
			res.Results[i] = Result{Index: res.Results[j].Index, Duplicate: true, Receipt: items[j].Receipt}
		}
	}
	return res, nil
}

// appendFresh appends recs, which are items[fresh[k]], and checks that the
// ledger placed them at the next indexes in order.
func (f *FSM) appendFresh(tx *bbolt.Tx, items []Item, recs []Record, fresh []int, res *AppendResult, m *metaState) error {
	if len(recs) == 0 {
		return nil
	}
	idx, err := f.ledger.Append(tx, recs)
	if err != nil {
		return fmt.Errorf("failed to append to ledger: %w", err)
	}
	if len(idx) != len(recs) {
		return fmt.Errorf("ledger returned %d indexes for %d records", len(idx), len(recs))
	}
	for k, i := range fresh {
		if idx[k] != m.ledgerSize {
			return fmt.Errorf("ledger placed %q at index %d, want %d", items[i].ID, idx[k], m.ledgerSize)
		}
		m.ledgerSize++
		res.Results[i] = Result{Index: idx[k], Receipt: items[i].Receipt}
		if err := putReceipt(tx, items[i].ID, StoredReceipt{Index: idx[k], Receipt: items[i].Receipt}); err != nil {
			return fmt.Errorf("failed to store receipt: %w", err)
		}
	}
	return nil
}

// applyExport records c's export record if it continues the link's cursor:
// the next sequence number, starting where the previous record ended, and
// within the ledger.
func applyExport(tx *bbolt.Tx, c *AdvanceExport, m *metaState) (ExportRecord, error) {
	rec := c.Record
	if !validLink(c.Link) {
		return ExportRecord{}, fmt.Errorf("%w: malformed link %q", ErrExportOrder, c.Link)
	}
	last, _, err := lastRecord(tx, c.Link)
	if err != nil {
		return ExportRecord{}, err
	}
	switch {
	case rec.Seq != last.Seq+1:
		return ExportRecord{}, fmt.Errorf("%w: link %s seq %d, want %d", ErrExportOrder, c.Link, rec.Seq, last.Seq+1)
	case rec.First != last.Size:
		return ExportRecord{}, fmt.Errorf("%w: link %s batch %d starts at %d, want %d", ErrExportOrder, c.Link, rec.Seq, rec.First, last.Size)
	case rec.Size < rec.First || rec.Size > m.ledgerSize:
		return ExportRecord{}, fmt.Errorf("%w: link %s batch %d ends at %d, want %d to %d", ErrExportOrder, c.Link, rec.Seq, rec.Size, rec.First, m.ledgerSize)
	case len(rec.Checkpoint) == 0:
		return ExportRecord{}, fmt.Errorf("%w: link %s batch %d has no checkpoint", ErrExportOrder, c.Link, rec.Seq)
	}
	b, err := exportBucket(tx, c.Link, true)
	if err != nil {
		return ExportRecord{}, fmt.Errorf("failed to create export bucket: %w", err)
	}
	if err := b.Put(binary.BigEndian.AppendUint64(nil, rec.Seq), encodeRecord(rec)); err != nil {
		return ExportRecord{}, fmt.Errorf("failed to store export record: %w", err)
	}
	return rec, nil
}

// applyConfig records the change's entry and, unless the entry's ID was
// recorded before, the new value of its key.
func (f *FSM) applyConfig(tx *bbolt.Tx, c *ConfigChange, m *metaState) (*AppendResult, error) {
	if !validID(c.Key) {
		return nil, fmt.Errorf("%w: malformed configuration key %q", ErrBadItem, c.Key)
	}
	res, err := f.applyAppend(tx, []Item{c.Item}, m)
	if err != nil || res.Results[0].Duplicate {
		return res, err
	}
	if err := tx.Bucket(bucketConfig).Put([]byte(c.Key), c.Content); err != nil {
		return nil, fmt.Errorf("failed to store configuration %q: %w", c.Key, err)
	}
	return res, nil
}

// validID reports whether s can be an idempotency ID or key: 1 to 128
// printable ASCII characters without space, quote, backslash or slash, the
// rule entry IDs follow.
func validID(s string) bool {
	if len(s) == 0 || len(s) > MaxIDSize {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c > '~' || c == '"' || c == '\\' || c == '/' {
			return false
		}
	}
	return true
}

// validLink reports whether s is 1 to 64 characters of a-z, 0-9, '-' and
// '_'.
func validLink(s string) bool {
	if len(s) == 0 || len(s) > MaxLinkSize {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
