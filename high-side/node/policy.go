package node

import (
	"time"

	"bastion/high-side/intake"
	"bastion/high-side/node/fsm"
	"bastion/shared/entry"
	"bastion/shared/merkle"
)

// Monitor makes the leader's pre-trade and real-time decisions from
// per-key state held in memory. The node serialises every call, so an
// implementation need not lock. Decide methods must not change state: the
// state changes only through Observe, in ledger order, for entries that
// were committed.
type Monitor interface {
	DecideOrder(o intake.Order, now time.Time) entry.Decision
	DecidePayment(p intake.Payment, now time.Time) entry.Decision
	// Observe folds one committed entry into the state. openings reveal
	// the entry's committed fields (account numbers) to the high side.
	Observe(e *entry.Envelope, openings []entry.Opening)
	// Reset drops all state; the node then replays the ledger through
	// Observe, on start and whenever it becomes leader.
	Reset()
}

// Clearance labels what is written and decides who may write it.
type Clearance interface {
	// LabelFor returns the label an entry of type t carries.
	LabelFor(t entry.Type) entry.Label
	// Check returns an error when subject may not perform action on an
	// object labelled label.
	Check(subject string, label entry.Label, action string) error
}

// ActionWrite is the action checked for every submission.
const ActionWrite = "write"

// Ledger is the read side of the Merkle ledger the node uses: entries and
// their openings for the monitor's replay, the root for Status.
type Ledger interface {
	fsm.Ledger
	Size() (uint64, error)
	Entry(index uint64) ([]byte, error)
	Openings(index uint64) ([]byte, error)
	Root(size uint64) (merkle.Hash, error)
}
