package node

import (
	"encoding/json"
	"time"

	"bastion/high-side/intake"
	"bastion/high-side/monitor"
	"bastion/shared/entry"
)

// Monitor makes the leader's pre-trade and real-time decisions from
// per-key state held in memory; *monitor.Monitor implements it. It must be
// safe for concurrent use. Decide methods do not change state: the state
// changes only through the Observe methods, which the node calls in ledger
// order for committed entries.
type Monitor interface {
	DecideOrder(o intake.Order, now time.Time) entry.Decision
	DecidePayment(p intake.Payment, now time.Time) entry.Decision
	ObserveOrder(o intake.Order, d entry.Decision, at time.Time) []monitor.Alert
	ObservePayment(p intake.Payment, d entry.Decision, at time.Time) []monitor.Alert
	// Reset drops all state; the node then replays the ledger through the
	// Observe methods whenever it becomes leader.
	Reset()
}

// Labeler gives every entry its classification label; clearance.Policy
// implements it.
type Labeler interface {
	LabelFor(t entry.Type, body json.RawMessage) entry.Label
}

// Clearance decides who may write what; *clearance.Registry implements it.
type Clearance interface {
	// Check returns an error when subjectID may not perform action on an
	// object labelled label.
	Check(subjectID string, label entry.Label, action string) error
}

// Actions checked against Clearance, one per kind of write.
const (
	ActionSubmitOrder   = "submit-order"
	ActionSubmitPayment = "submit-payment"
	ActionConfigure     = "configure"
	ActionCeremony      = "ceremony"
)

// actionFor returns the action that writing an entry of type t needs.
func actionFor(t entry.Type) string {
	switch t {
	case entry.TypeOrder:
		return ActionSubmitOrder
	case entry.TypePayment:
		return ActionSubmitPayment
	case entry.TypeCeremony:
		return ActionCeremony
	}
	return ActionConfigure
}
