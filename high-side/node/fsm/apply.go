package fsm

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"bastion/high-side/ledger"
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

// CheckEntryShape is the default entry check, cheap enough for every node
// to run on every entry: b is well-formed JSON of at most entry.MaxSize
// bytes that opens the way the canonical encoding of a version 1 envelope
// with ID id opens: {"v":1,"type":"...","id":"ID","time_ns":. The leader
// has validated the entry in full before proposing it.
func CheckEntryShape(id string, b []byte) error {
	if len(b) == 0 || len(b) > entry.MaxSize {
		return fmt.Errorf("entry of %d bytes, want 1 to %d", len(b), entry.MaxSize)
	}
	rest, ok := bytes.CutPrefix(b, []byte(`{"v":1,"type":"`))
	q := bytes.IndexByte(rest, '"')
	if !ok || q < 1 || q > 32 {
		return errors.New("entry does not open as a canonical version 1 envelope")
	}
	if !bytes.HasPrefix(rest[q:], []byte(`","id":"`+id+`","time_ns":`)) {
		return fmt.Errorf("entry does not carry id %q", id)
	}
	if !json.Valid(b) {
		return errors.New("entry is not valid JSON")
	}
	return nil
}

// CheckEntry is the thorough entry check: entry must parse as a canonical
// envelope (entry.Parse) whose ID is id. It costs about as much as the rest
// of applying the entry.
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
	if len(it.Entry) > ledger.MaxEntrySize || len(it.Openings) > ledger.MaxOpeningsSize {
		return fmt.Errorf("%w %q: entry or openings over the ledger's limits", ErrBadItem, it.ID)
	}
	if err := f.opts.CheckEntry(it.ID, it.Entry); err != nil {
		return fmt.Errorf("%w %q: %v", ErrBadItem, it.ID, err)
	}
	return nil
}

// applyAppend stages the items not yet recorded for the batch's ledger
// append, at the indexes they will get, and stores their receipts; an item
// whose ID is recorded, or was staged earlier in the batch, gets the
// original's result marked Duplicate. Every item is checked before
// anything is written.
func (f *FSM) applyAppend(tx *bbolt.Tx, items []Item, m *metaState) (*AppendResult, error) {
	for i := range items {
		if err := f.checkItem(&items[i]); err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
	}
	res := &AppendResult{Results: make([]Result, len(items))}
	for i, it := range items {
		if r, ok := getReceipt(tx, it.ID); ok {
			res.Results[i] = Result{Index: r.Index, Duplicate: true, Receipt: r.Receipt}
			continue
		}
		index := m.ledgerSize
		if err := putReceipt(tx, it.ID, StoredReceipt{Index: index, Receipt: it.Receipt}); err != nil {
			return nil, fmt.Errorf("failed to store receipt: %w", err)
		}
		m.stage(it, index)
		res.Results[i] = Result{Index: index, Receipt: it.Receipt}
	}
	return res, nil
}

// appendStaged appends every record the batch staged in one ledger call,
// and checks that the ledger placed them where the receipts say. checkItem
// holds records to the ledger's limits, so the ledger should refuse none;
// if it does, the first command that staged records fails, and the batch
// is applied again without it.
func (f *FSM) appendStaged(tx *bbolt.Tx, m *metaState) error {
	if len(m.records) == 0 {
		return nil
	}
	idx, err := f.ledger.Append(tx, m.records)
	if errors.Is(err, ledger.ErrInvalidRecord) {
		return &commandError{i: m.cmdOf[0], err: fmt.Errorf("%w: %v", ErrBadItem, err)}
	}
	if err != nil {
		return fmt.Errorf("failed to append to ledger: %w", err)
	}
	if len(idx) != len(m.records) {
		return fmt.Errorf("ledger returned %d indexes for %d records", len(idx), len(m.records))
	}
	for k, a := range m.appended {
		if idx[k] != a.Index {
			return fmt.Errorf("ledger placed %q at index %d, want %d", a.ID, idx[k], a.Index)
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
