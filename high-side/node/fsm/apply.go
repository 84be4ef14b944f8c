package fsm

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

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

// bucketRulePacks holds every rule pack put in force: under the 8-byte
// big-endian ledger index of its entry, the version and the signed pack,
// each a uvarint length and the bytes; under keyCurrentPack, the index of
// the pack in force. The first RulePack creates it; it travels in
// snapshots with the rest of the file.
var (
	bucketRulePacks = []byte("node.rulepacks")
	keyCurrentPack  = []byte("current")
)

// ErrStaleRulePack is returned for a RulePack whose version is not newer
// (ComparePackVersions) than the pack in force.
var ErrStaleRulePack = errors.New("rule pack version is not newer than the pack in force")

// PackRecord is a rule pack put in force at ledger index Index.
type PackRecord struct {
	Index   uint64
	Version string
	Pack    []byte
}

// applyRulePack records the switch's entry and the pack under its index,
// if the version is newer than the pack in force.
func (f *FSM) applyRulePack(tx *bbolt.Tx, c *RulePack, m *metaState) (*AppendResult, error) {
	if !validID(c.Version) || len(c.Version) > MaxPackVersion || len(c.Pack) == 0 {
		return nil, fmt.Errorf("%w: malformed rule pack version %q or empty pack", ErrBadItem, c.Version)
	}
	cur, ok, err := currentPack(tx)
	if err != nil {
		return nil, err
	}
	if ok && ComparePackVersions(c.Version, cur.Version) <= 0 {
		return nil, fmt.Errorf("%w: %q, in force %q", ErrStaleRulePack, c.Version, cur.Version)
	}
	res, err := f.applyAppend(tx, []Item{c.Item}, m)
	if err != nil || res.Results[0].Duplicate {
		return res, err
	}
	b, err := tx.CreateBucketIfNotExists(bucketRulePacks)
	if err != nil {
		return nil, fmt.Errorf("failed to create rule pack bucket: %w", err)
	}
	key := binary.BigEndian.AppendUint64(nil, res.Results[0].Index)
	v := appendBytes(appendBytes(nil, []byte(c.Version)), c.Pack)
	if err := b.Put(key, v); err != nil {
		return nil, fmt.Errorf("failed to store rule pack: %w", err)
	}
	if err := b.Put(keyCurrentPack, key); err != nil {
		return nil, fmt.Errorf("failed to store rule pack: %w", err)
	}
	return res, nil
}

// currentPack reads the pack in force in tx.
func currentPack(tx *bbolt.Tx) (PackRecord, bool, error) {
	b := tx.Bucket(bucketRulePacks)
	if b == nil {
		return PackRecord{}, false, nil
	}
	key := b.Get(keyCurrentPack)
	if len(key) != 8 {
		return PackRecord{}, false, nil
	}
	return packAt(b, binary.BigEndian.Uint64(key))
}

// packAt reads the pack put in force at index from b.
func packAt(b *bbolt.Bucket, index uint64) (PackRecord, bool, error) {
	v := b.Get(binary.BigEndian.AppendUint64(nil, index))
	if v == nil {
		return PackRecord{}, false, nil
	}
	r := &reader{b: v}
	p := PackRecord{Index: index, Version: string(r.bytes("version", MaxPackVersion))}
	p.Pack = bytes.Clone(r.bytes("pack", MaxContent))
	if r.err != nil {
		return PackRecord{}, false, fmt.Errorf("stored rule pack at %d: %w", index, r.err)
	}
	return p, true, nil
}

// CurrentRulePack returns the rule pack in force, or false when none was
// ever put in force through the log.
func (f *FSM) CurrentRulePack() (p PackRecord, ok bool, err error) {
	err = f.View(func(tx *bbolt.Tx) error {
		p, ok, err = currentPack(tx)
		return err
	})
	return p, ok, err
}

// RulePackAt returns the rule pack put in force at ledger index, or false
// when the entry at index is not a rule-pack switch.
func (f *FSM) RulePackAt(index uint64) (p PackRecord, ok bool, err error) {
	err = f.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketRulePacks); b != nil {
			p, ok, err = packAt(b, index)
		}
		return err
	})
	return p, ok, err
}

// RulePackIndexes returns the ledger indexes of every rule-pack switch,
// in order.
func (f *FSM) RulePackIndexes() ([]uint64, error) {
	var out []uint64
	err := f.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketRulePacks)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, _ []byte) error {
			if len(k) == 8 {
				out = append(out, binary.BigEndian.Uint64(k))
			}
			return nil
		})
	})
	return out, err
}

// ComparePackVersions orders rule pack versions naturally: runs of digits
// compare as numbers, other runs byte by byte, so "2025.10" follows
// "2025.9" and "desk-2" follows "desk-1". It returns -1, 0 or +1.
func ComparePackVersions(a, b string) int {
	for a != "" && b != "" {
		ra, rb := versionRun(a), versionRun(b)
		if c := compareRun(ra, rb); c != 0 {
			return c
		}
		a, b = a[len(ra):], b[len(rb):]
	}
	return cmp.Compare(len(a), len(b))
}

// versionRun returns the leading run of digits or of other bytes of s.
func versionRun(s string) string {
	digit := isDigit(s[0])
	i := 1
	for i < len(s) && isDigit(s[i]) == digit {
		i++
	}
	return s[:i]
}

func compareRun(a, b string) int {
	if isDigit(a[0]) && isDigit(b[0]) {
		a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
		if c := cmp.Compare(len(a), len(b)); c != 0 {
			return c
		}
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
