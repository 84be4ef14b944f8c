// Package intake defines what enters the high side: order and payment
// submissions as the gateway and the FIX acceptor receive them, and the
// receipt each gets back once its entry is committed.
//
// Submissions carry plain account identifiers. They are committed (salted
// hashes) before anything is written to the ledger; the values themselves
// stay on the high side.
package intake

import (
	"context"

	"bastion/shared/entry"

	"github.com/shopspring/decimal"
)

// Order is one order event as submitted.
type Order struct {
	ID       string           `json:"id"`       // idempotency key; defaults to OrderID+Event
	OrderID  string           `json:"order_id"` // the firm's order id
	Event    entry.OrderEvent `json:"event"`
	Symbol   string           `json:"symbol"`
	Side     entry.Side       `json:"side"`
	Quantity int64            `json:"qty"`
	Price    decimal.Decimal  `json:"price"`
	Trader   string           `json:"trader"`
	Account  string           `json:"account"` // plain; committed before recording
	Source   string           `json:"source"`  // api, fix or replay
	Time     int64            `json:"time_ns,omitempty"`
}

// Payment is one payment instruction as submitted.
type Payment struct {
	ID       string          `json:"id"` // idempotency key
	Kind     string          `json:"kind"`
	Amount   decimal.Decimal `json:"amount"`
	Currency string          `json:"currency"`
	From     string          `json:"from"` // plain; committed before recording
	To       string          `json:"to"`   // plain; committed before recording
	// FromBalance is the originating account's balance before the payment,
	// when the submitting system knows it; zero when unknown.
	FromBalance decimal.Decimal `json:"from_balance"`
	Source      string          `json:"source"`
	Time        int64           `json:"time_ns,omitempty"`
}

// Receipt is what a submitter gets back: where the entry landed and what
// was decided. Duplicate is true when the ID was seen before; the receipt
// is then the original one.
type Receipt struct {
	ID        string        `json:"id"`
	Index     uint64        `json:"index"`
	Outcome   entry.Outcome `json:"outcome"`
	Reasons   []string      `json:"reasons,omitempty"`
	Checks    []entry.Check `json:"checks,omitempty"`
	Duplicate bool          `json:"duplicate,omitempty"`
	Error     string        `json:"error,omitempty"` // set when the submission was malformed
}

// Submitter records submissions: it decides them, commits them to the
// replicated ledger and returns one receipt per submission, in order. A
// malformed submission gets a receipt with Error set and changes nothing.
// Implementations are safe for concurrent use.
type Submitter interface {
	SubmitOrders(ctx context.Context, actor string, orders []Order) ([]Receipt, error)
	SubmitPayments(ctx context.Context, actor string, payments []Payment) ([]Receipt, error)
	// Receipt returns the stored receipt for an idempotency key.
	Receipt(ctx context.Context, id string) (Receipt, bool, error)
}
