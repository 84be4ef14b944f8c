package monitor

import (
	"fmt"
	"slices"

	"github.com/shopspring/decimal"
)

// RepeatRule fires when a payer pays the same payee Count times or more
// within Window, this payment included: a sum split into repeated
// transfers to one beneficiary.
type RepeatRule struct {
	Action Action   `toml:"action"`
	Window Duration `toml:"window"`
	Count  int      `toml:"count"`
}

// SplitRule fires on a payment well below the payer's regular amount. The
// regular amount is the lowest of the largest group of the payer's kept
// payments that lie within Tolerance (0 to 1) of each other; it counts
// once the payer has MinCount payments and the group holds at least Share
// (0 to 1) of them. A payment below regular*(1-Tolerance) fires: funds
// broken into transfers far smaller than the account's usual ones.
type SplitRule struct {
	Action    Action `toml:"action"`
	MinCount  int    `toml:"min_count"`
	Share     Amount `toml:"share"`
	Tolerance Amount `toml:"tolerance"`
}

func (r RepeatRule) validate() error {
	if err := r.Action.validate(); err != nil || r.Action == Off {
		return err
	}
	if r.Window.Duration <= 0 || r.Count < 2 {
		return fmt.Errorf("window must be positive and count at least 2")
	}
	return nil
}

func (r SplitRule) validate() error {
	if err := r.Action.validate(); err != nil || r.Action == Off {
		return err
	}
	one := decimal.NewFromInt(1)
	switch {
	case r.MinCount < 1:
		return fmt.Errorf("min_count must be positive")
	case !r.Share.IsPositive() || r.Share.GreaterThan(one):
		return fmt.Errorf("share must be in (0, 1]")
	case !r.Tolerance.IsPositive() || r.Tolerance.GreaterThanOrEqual(one):
		return fmt.Errorf("tolerance must be in (0, 1)")
	}
	return nil
}

// repeatPayee counts the payer's payments to this payee in the window,
// this one included.
func (m *Monitor) repeatPayee(c *paymentCtx) finding {
	r := &m.cfg.Payments.RepeatPayee
	n := 1 + c.out.countPeerSince(c.now-int64(r.Window.Duration), c.p.To)
	at := c.t.mark()
	c.t.int(int64(n)).str(m.text.repeatIn)
	return finding{fired: n >= r.Count, obs: c.t.since(at), limit: m.text.repeat}
}

// splitAmount compares the payment with the payer's regular amount.
func (m *Monitor) splitAmount(c *paymentCtx) finding {
	r := &m.cfg.Payments.SplitAmount
	n, at := c.out.count(), c.t.mark()
	if n < r.MinCount {
		c.t.int(int64(n)).str(" payments of history")
		return finding{obs: c.t.since(at), limit: m.text.split}
	}
	regular, group := c.out.regularAmount(m.text.splitTolBP)
	if int64(group)*10_000 < int64(n)*m.text.splitShareBP {
		c.t.str("no regular amount (").int(int64(group)).str(" of ").int(int64(n)).str(" alike)")
		return finding{obs: c.t.since(at), limit: m.text.split}
	}
	floor := regular * (10_000 - m.text.splitTolBP) / 10_000
	amount := centsOf(c.p.Amount)
	c.t.dec(c.p.Amount).str(" against regular ").dec(decimal.New(regular, -2))
	return finding{fired: amount < floor, obs: c.t.since(at), limit: m.text.split}
}

// maxCents bounds an amount held in cents so that tolerance products stay
// within int64.
const maxCents = 1 << 48

// centsOf returns a non-negative amount in whole cents, truncated and
// capped at maxCents.
func centsOf(d decimal.Decimal) int64 {
	if !d.IsPositive() {
		return 0
	}
	c := d.Shift(2)
	if c.GreaterThanOrEqual(decimal.NewFromInt(maxCents)) {
		return maxCents
	}
	return c.IntPart()
}

// regularAmount returns the lowest amount, in cents, of the largest group
// of kept events whose amounts lie within tolBP basis points above it, and
// the size of that group.
func (f *flow) regularAmount(tolBP int64) (cents int64, group int) {
	var buf [64]int64
	vals := buf[:0]
	for i := range f.ev {
		vals = append(vals, f.ev[i].cents)
	}
	slices.Sort(vals)
	hi := 0
	for lo := range vals {
		limit := vals[lo] + vals[lo]*tolBP/10_000
		for hi < len(vals) && vals[hi] <= limit {
			hi++
		}
		if hi-lo > group {
			cents, group = vals[lo], hi-lo
		}
	}
	return cents, group
}

// countPeerSince returns the number of events after t with peer.
func (f *flow) countPeerSince(t int64, peer string) int {
	n, h := 0, peerHash(peer)
	for i := range f.ev {
		if f.ev[i].at > t && f.ev[i].isPeer(peer, h) {
			n++
		}
	}
	return n
}
