package fsm

import "go.etcd.io/bbolt"

// Record is one ledger record: the canonical entry, the openings of its
// commitments and its idempotency ID.
type Record struct {
	Entry    []byte
	Openings []byte
	ID       string
}

// Ledger is the Merkle ledger the state machine appends to. Append runs
// inside the state machine's own write transaction, so that a batch of
// entries, their receipts and the applied index commit together; it
// returns each record's ledger index (0-based), and for an ID it already
// holds, that record's original index.
type Ledger interface {
	Append(tx *bbolt.Tx, recs []Record) ([]uint64, error)
}

// LedgerOpener opens the ledger kept in db. The state machine calls it at
// start and again after every snapshot restore, which replaces db.
type LedgerOpener func(db *bbolt.DB) (Ledger, error)
