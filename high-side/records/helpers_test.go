package records

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"go.etcd.io/bbolt"

	"bastion/high-side/ledger"
	"bastion/high-side/ledger/ledgertest"
	"bastion/shared/entry"
)

// testLedger is a ledger in a temporary bbolt file.
type testLedger struct {
	db *bbolt.DB
	l  *ledger.Ledger
}

func newLedger(t testing.TB) *testLedger {
	t.Helper()
	l, db := ledgertest.Open(t)
	return &testLedger{db: db, l: l}
}

// add appends e with its openings and returns its index.
func (tl *testLedger) add(t testing.TB, e *entry.Envelope, ops []entry.Opening) uint64 {
	t.Helper()
	b, err := e.Encode()
	if err != nil {
		t.Fatalf("encode %s: %v", e.ID, err)
	}
	var raw []byte
	if len(ops) > 0 {
		raw, _ = json.Marshal(ops)
	}
	var idx []uint64
	err = tl.db.Update(func(tx *bbolt.Tx) error {
		idx, err = tl.l.Append(tx, []ledger.Record{{Entry: b, Openings: raw, ID: e.ID}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return idx[0]
}

// view runs fn on a reader of the current state.
func (tl *testLedger) view(t testing.TB, fn func(r *ledger.Reader)) {
	t.Helper()
	err := tl.db.View(func(tx *bbolt.Tx) error {
		r, err := tl.l.Reader(tx)
		if err != nil {
			return err
		}
		fn(r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

var epoch = time.Date(2020, 1, 2, 9, 30, 0, 0, time.UTC)

// orderBody returns an order body with account committed.
func orderBody(t testing.TB, id string, ev entry.OrderEvent, qty int64, account string) (json.RawMessage, entry.Opening) {
	t.Helper()
	op, c := entry.NewOpening(entry.FieldAccount, account)
	body, err := entry.NewBody(entry.Order{OrderID: id, Event: ev, Symbol: "AAPL", Side: entry.Buy,
		Quantity: qty, Price: decimal.RequireFromString("101.25"), Trader: "T1", Account: c, Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	return body, op
}

// order returns an order entry written at time at, and its opening.
func order(t testing.TB, id string, ev entry.OrderEvent, at time.Time) (*entry.Envelope, []entry.Opening) {
	t.Helper()
	body, op := orderBody(t, id, ev, 100, "ACCT-"+id)
	return &entry.Envelope{Version: entry.Version, Type: entry.TypeOrder, ID: id, Time: at.UnixNano(),
		Actor: "T1", Label: entry.NewLabel(entry.Confidential, "trading"), Body: body}, []entry.Opening{op}
}

// payment returns a payment entry written at time at, and its openings.
func payment(t testing.TB, id string, at time.Time) (*entry.Envelope, []entry.Opening) {
	t.Helper()
	from, cf := entry.NewOpening(entry.FieldFrom, "C-FROM-"+id)
	to, ct := entry.NewOpening(entry.FieldTo, "C-TO-"+id)
	body, err := entry.NewBody(entry.Payment{PaymentID: id, Kind: "wire", Amount: decimal.RequireFromString("10"),
		Currency: "USD", From: cf, To: ct, Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	return &entry.Envelope{Version: entry.Version, Type: entry.TypePayment, ID: id, Time: at.UnixNano(),
		Actor: "P1", Label: entry.NewLabel(entry.Confidential, "payments"), Body: body}, []entry.Opening{from, to}
}

// login returns a login entry (no committed fields) written at at.
func login(t testing.TB, id string, at time.Time) *entry.Envelope {
	t.Helper()
	body, _ := entry.NewBody(entry.Login{Subject: "T1", Method: "webauthn", Result: "success", Station: "ws-1"})
	return &entry.Envelope{Version: entry.Version, Type: entry.TypeLogin, ID: id, Time: at.UnixNano(),
		Actor: "T1", Label: entry.NewLabel(entry.Internal), Body: body}
}

func id(prefix string, i int) string { return fmt.Sprintf("%s-%d", prefix, i) }
