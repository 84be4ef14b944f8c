package fsm

import (
	"errors"

	"go.etcd.io/bbolt"
)

// ErrClosed is returned by reads after Close.
var ErrClosed = errors.New("state file closed")

// View runs fn in a read transaction over the state file. fn must not keep
// tx or any byte slice read from it after returning. View holds off a
// snapshot restore while it runs.
func (f *FSM) View(fn func(tx *bbolt.Tx) error) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.db == nil {
		return ErrClosed
	}
	return f.db.View(fn)
}

// Receipt returns the receipt stored for an idempotency ID.
func (f *FSM) Receipt(id string) (r StoredReceipt, ok bool, err error) {
	err = f.View(func(tx *bbolt.Tx) error {
		r, ok = getReceipt(tx, id)
		return nil
	})
	return r, ok, err
}

// LastExport returns the newest export record of link, or false before
// the first.
func (f *FSM) LastExport(link string) (r ExportRecord, ok bool, err error) {
	err = f.View(func(tx *bbolt.Tx) error {
		r, ok, err = lastRecord(tx, link)
		return err
	})
	return r, ok, err
}

// Export returns the export record of link with sequence number seq.
func (f *FSM) Export(link string, seq uint64) (r ExportRecord, ok bool, err error) {
	err = f.View(func(tx *bbolt.Tx) error {
		r, ok, err = getRecord(tx, link, seq)
		return err
	})
	return r, ok, err
}

// Config returns the current value of a configuration key.
func (f *FSM) Config(key string) (v []byte, ok bool, err error) {
	err = f.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketConfig).Get([]byte(key)); b != nil {
			v, ok = append([]byte(nil), b...), true
		}
		return nil
	})
	return v, ok, err
}

// ReceiptTx returns the receipt stored for an idempotency ID, read in tx
// (from View).
func (f *FSM) ReceiptTx(tx *bbolt.Tx, id string) (StoredReceipt, bool, error) {
	r, ok := getReceipt(tx, id)
	return r, ok, nil
}
