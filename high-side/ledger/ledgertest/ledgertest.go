// Package ledgertest opens real, bbolt-backed ledgers for the tests of
// the packages that read or append to one.
package ledgertest

import (
	"fmt"
	"path/filepath"
	"testing"

	"go.etcd.io/bbolt"

	"bastion/high-side/ledger"
)

// Open returns an empty ledger in a state file of t's temporary folder,
// without fsync, and its database, closed when t ends.
func Open(t testing.TB) (*ledger.Ledger, *bbolt.DB) {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "state.db"), 0o600, &bbolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	l, err := ledger.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	return l, db
}

// Append appends recs in one transaction.
func Append(t testing.TB, l *ledger.Ledger, db *bbolt.DB, recs []ledger.Record) {
	t.Helper()
	if err := db.Update(func(tx *bbolt.Tx) error { _, err := l.Append(tx, recs); return err }); err != nil {
		t.Fatal(fmt.Errorf("append %d records: %w", len(recs), err))
	}
}
