package fsm

import (
	"encoding/binary"
	"errors"
	"fmt"

	"bastion/high-side/ledger"

	"go.etcd.io/bbolt"
)

// Buckets the FSM keeps beside the ledger's in the same bbolt file. Their
// names start with "node." so that they cannot meet a ledger bucket.
var (
	bucketMeta     = []byte("node.meta")     // applied raft index, ledger size
	bucketReceipts = []byte("node.receipts") // idempotency ID → index ‖ receipt
	bucketExport   = []byte("node.export")   // link → (seq → export record)
	bucketConfig   = []byte("node.config")   // configuration key → value
)

// Keys in bucketMeta; values are 8-byte big-endian integers.
var (
	keyApplied    = []byte("applied_index") // last raft log index applied
	keyLedgerSize = []byte("ledger_size")   // entries in the ledger
)

// Errors returned while applying commands.
var (
	// ErrHalted is returned for every command once a write to the state
	// file has failed; the node must restart to recover.
	ErrHalted = errors.New("state machine halted after a storage failure")
	// ErrBadItem is returned for an Append or ConfigChange item that fails
	// validation.
	ErrBadItem = errors.New("invalid item")
	// ErrExportOrder is returned when an export record does not continue
	// its link's cursor.
	ErrExportOrder = errors.New("export record out of order")
)

func createBuckets(tx *bbolt.Tx) error {
	for _, name := range [][]byte{bucketMeta, bucketReceipts, bucketExport, bucketConfig} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("failed to create bucket %s: %w", name, err)
		}
	}
	return nil
}

func getUint64(b *bbolt.Bucket, key []byte) uint64 {
	v := b.Get(key)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func putUint64(b *bbolt.Bucket, key []byte, v uint64) error {
	return b.Put(key, binary.BigEndian.AppendUint64(nil, v))
}

// metaState is what the FSM reads from bucketMeta, and what one batch
// appended.
type metaState struct {
	applied    uint64
	ledgerSize uint64 // including the records staged so far

	cmd      int             // the command being applied
	records  []ledger.Record // staged for the batch's one ledger append
	cmdOf    []int           // the command that staged each record
	appended []Appended      // each staged record's index, ID and entry
}

// stage queues it for the batch's ledger append at index, which must be
// the ledger's next.
func (m *metaState) stage(it Item, index uint64) {
	m.records = append(m.records, ledger.Record{Entry: it.Entry, Openings: it.Openings, ID: it.ID})
	m.cmdOf = append(m.cmdOf, m.cmd)
	m.appended = append(m.appended, Appended{Index: index, ID: it.ID, Entry: it.Entry})
	m.ledgerSize++
}

// Appended is one entry a batch added to the ledger. Entry aliases the
// Raft log and must not be modified.
type Appended struct {
	Index uint64
	ID    string
	Entry []byte
}

func readMeta(tx *bbolt.Tx) metaState {
	b := tx.Bucket(bucketMeta)
	if b == nil {
		return metaState{}
	}
	return metaState{applied: getUint64(b, keyApplied), ledgerSize: getUint64(b, keyLedgerSize)}
}

func writeMeta(tx *bbolt.Tx, m metaState) error {
	b := tx.Bucket(bucketMeta)
	if err := putUint64(b, keyApplied, m.applied); err != nil {
		return err
	}
	return putUint64(b, keyLedgerSize, m.ledgerSize)
}

// StoredReceipt is the receipt recorded for an idempotency ID: the ledger
// index its entry landed at and the receipt bytes the leader proposed.
type StoredReceipt struct {
	Index   uint64
	Receipt []byte
}

func putReceipt(tx *bbolt.Tx, id string, r StoredReceipt) error {
	v := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(r.Receipt)), r.Index)
	return tx.Bucket(bucketReceipts).Put([]byte(id), append(v, r.Receipt...))
}

// getReceipt returns the receipt stored for id; the bytes are copied.
func getReceipt(tx *bbolt.Tx, id string) (StoredReceipt, bool) {
	v := tx.Bucket(bucketReceipts).Get([]byte(id))
	if len(v) < 8 {
		return StoredReceipt{}, false
	}
	return StoredReceipt{
		Index:   binary.BigEndian.Uint64(v),
		Receipt: append([]byte(nil), v[8:]...),
	}, true
}

// exportBucket returns link's bucket of export records, creating it when
// create is set; nil when absent.
func exportBucket(tx *bbolt.Tx, link string, create bool) (*bbolt.Bucket, error) {
	parent := tx.Bucket(bucketExport)
	if !create {
		return parent.Bucket([]byte(link)), nil
	}
	return parent.CreateBucketIfNotExists([]byte(link))
}

func encodeRecord(r ExportRecord) []byte {
	b := binary.AppendUvarint(nil, r.Seq)
	b = binary.AppendUvarint(b, r.First)
	b = binary.AppendUvarint(b, r.Size)
	return appendBytes(b, r.Checkpoint)
}

func decodeRecord(v []byte) (ExportRecord, error) {
	r := &reader{b: v}
	rec := ExportRecord{Seq: r.uvarint("seq"), First: r.uvarint("first"), Size: r.uvarint("size")}
	rec.Checkpoint = append([]byte(nil), r.bytes("checkpoint", MaxCheckpoint)...)
	if r.err != nil {
		return ExportRecord{}, fmt.Errorf("corrupt export record: %w", r.err)
	}
	return rec, nil
}

func lastRecord(tx *bbolt.Tx, link string) (ExportRecord, bool, error) {
	b, _ := exportBucket(tx, link, false)
	if b == nil {
		return ExportRecord{}, false, nil
	}
	_, v := b.Cursor().Last()
	if v == nil {
		return ExportRecord{}, false, nil
	}
	rec, err := decodeRecord(v)
	return rec, err == nil, err
}

func getRecord(tx *bbolt.Tx, link string, seq uint64) (ExportRecord, bool, error) {
	b, _ := exportBucket(tx, link, false)
	if b == nil {
		return ExportRecord{}, false, nil
	}
	v := b.Get(binary.BigEndian.AppendUint64(nil, seq))
	if v == nil {
		return ExportRecord{}, false, nil
	}
	rec, err := decodeRecord(v)
	return rec, err == nil, err
}
