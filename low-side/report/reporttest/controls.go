package reporttest

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"bastion/low-side/report"
	"bastion/shared/entry"
)

// LoginResult returns an encoded login entry of subject T1 with result
// "success" or "failure".
func LoginResult(id string, at time.Time, result string) []byte {
	return encode(entry.TypeLogin, id, at, nil, entry.Login{
		Subject: "T1", Method: "totp", Result: result, Station: "desk-1",
	})
}

// Approval returns an encoded approval entry submitted by T1.
func Approval(id, subject, action, approver string, at time.Time) []byte {
	return encode(entry.TypeApproval, id, at, nil, entry.Approval{
		Subject: subject, Action: action, Approver: approver,
	})
}

// Ceremony returns an encoded key-ceremony entry for key id keyID.
func Ceremony(id, step, keyID string, at time.Time) []byte {
	return encode(entry.TypeCeremony, id, at, nil, entry.Ceremony{Step: step, KeyID: keyID})
}

// Execution returns an encoded execution of qty shares of symbol at price.
func Execution(id, symbol string, side entry.Side, qty int64, price string, at time.Time, d *entry.Decision) []byte {
	return encode(entry.TypeOrder, id, at, d, entry.Order{
		OrderID: "o-" + id, Event: entry.OrderExecute, Symbol: symbol, Side: side, Quantity: qty,
		Price: decimal.RequireFromString(price), Trader: "T1", Account: commitment, Source: "api",
	})
}

// Payee returns the commitment of payee name, as PaymentTo puts it in To.
func Payee(name string) string {
	return entry.Commit("account", make([]byte, entry.SaltSize), "PAYEE-"+name)
}

// PaymentTo returns an encoded wire of amount in currency to Payee(to).
func PaymentTo(id, amount, currency, to string, at time.Time, d *entry.Decision) []byte {
	return encode(entry.TypePayment, id, at, d, entry.Payment{
		PaymentID: id, Kind: "wire", Amount: decimal.RequireFromString(amount),
		Currency: currency, From: commitment, To: Payee(to), Source: "api",
	})
}

// Capital returns capital inputs of Tier 1 tier1 and other exposure other,
// in USD, with EUR at 1.20.
func Capital(tier1, other string) *report.Capital {
	return &report.Capital{Currency: "USD", Tier1: decimal.RequireFromString(tier1),
		OtherExposure: decimal.RequireFromString(other), AsOf: "2012-06-30",
		FX: map[string]decimal.Decimal{"EUR": decimal.RequireFromString("1.20")}}
}

// GuardEvents returns guard log records with sequences from 1, one per
// decision, all at hh:00 on date, with placeholder hashes.
func GuardEvents(date string, first uint64, decisions ...string) []report.GuardEvent {
	out := make([]report.GuardEvent, len(decisions))
	for i, d := range decisions {
		seq := first + uint64(i)
		out[i] = report.GuardEvent{Seq: seq, Time: At(date, 10, i), BatchSeq: seq, Stage: "policy",
			Decision: d, Reason: "test " + d, Hash: fmt.Sprintf("%064x", seq)}
	}
	return out
}
