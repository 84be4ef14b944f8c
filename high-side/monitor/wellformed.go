package monitor

import (
	"bastion/high-side/intake"
	"bastion/shared/entry"
)

// The well_formed check runs first on every submission and cannot be
// turned off: a submission the other rules cannot read is rejected with
// ReasonMalformedRequest rather than decided on missing fields. The
// gateway validates submissions before they get here; this is the second
// line.

func wellFormedOrder(o *intake.Order) finding {
	switch {
	case o.OrderID == "" || o.Trader == "" || o.Account == "" || o.Symbol == "":
		return malformed("order_id, trader, account and symbol are required")
	case eventBit(o.Event) == 0:
		return malformed("unknown event " + clip(string(o.Event)))
	case o.Side != entry.Buy && o.Side != entry.Sell:
		return malformed("unknown side " + clip(string(o.Side)))
	case o.Quantity < 0 || o.Price.IsNegative():
		return malformed("negative quantity or price")
	case !saneDecimal(o.Price):
		return malformed("price out of range")
	}
	return finding{observed: "ok", limit: "well formed"}
}

func wellFormedPayment(p *intake.Payment) finding {
	switch {
	case p.ID == "" || p.From == "" || p.To == "":
		return malformed("id, from and to are required")
	case !paymentKinds[p.Kind]:
		return malformed("unknown kind " + clip(p.Kind))
	case p.Amount.IsNegative() || p.FromBalance.IsNegative():
		return malformed("negative amount or balance")
	case !saneDecimal(p.Amount) || !saneDecimal(p.FromBalance):
		return malformed("amount or balance out of range")
	}
	return finding{observed: "ok", limit: "well formed"}
}

func malformed(why string) finding {
	return finding{fired: true, observed: why, limit: "well formed"}
}

// checkWellFormed records the well_formed check and reports whether the
// other rules may run.
func checkWellFormed(v *verdict, f finding) bool {
	v.record("well_formed", Reject, entry.ReasonMalformedRequest, f)
	return !f.fired
}
