package ledger

import (
	"fmt"
	"path/filepath"
	"testing"

	"go.etcd.io/bbolt"

	"bastion/shared/merkle"
)

// openTemp opens a ledger in a new database file under t's temp dir. Tests
// skip fsync unless sync is true; durability is tested by reopening.
func openTemp(tb testing.TB, sync bool) (*Ledger, *bbolt.DB, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "state.db")
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{NoSync: !sync})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	l, err := Open(db)
	if err != nil {
		tb.Fatal(err)
	}
	return l, db, path
}

// record returns the deterministic record number i.
func record(i int) Record {
	return Record{
		Entry:    fmt.Appendf(nil, `{"v":1,"type":"order","id":"o-%d","body":{"qty":%d}}`, i, i%97),
		Openings: fmt.Appendf(nil, `{"account":"salt-%d"}`, i),
		ID:       fmt.Sprintf("o-%d", i),
	}
}

// records returns records [from, to).
func records(from, to int) []Record {
	out := make([]Record, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, record(i))
	}
	return out
}

// appendTx appends recs in one write transaction and returns the indexes.
func appendTx(tb testing.TB, l *Ledger, recs []Record) []uint64 {
	tb.Helper()
	var idx []uint64
	err := l.db.Update(func(tx *bbolt.Tx) error {
		var err error
		idx, err = l.Append(tx, recs)
		return err
	})
	if err != nil {
		tb.Fatalf("Append: %v", err)
	}
	return idx
}

// fill appends records [0, n) in transactions of batch records, and
// returns the compact range of their leaf hashes, computed independently.
func fill(tb testing.TB, l *Ledger, n, batch int) *merkle.Compact {
	tb.Helper()
	var c merkle.Compact
	for from := 0; from < n; from += batch {
		recs := records(from, min(from+batch, n))
		appendTx(tb, l, recs)
		for _, r := range recs {
			c.Append(merkle.LeafHash(r.Entry))
		}
	}
	return &c
}
