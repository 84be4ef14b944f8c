package monitor

import (
	"errors"
	"time"

	"bastion/high-side/intake"
	"bastion/shared/entry"

	"github.com/shopspring/decimal"
)

// paymentCtx is one payment under decision with the committed history of
// its two accounts.
type paymentCtx struct {
	p     *intake.Payment
	t     *text // where rules write observed values
	now   int64
	out   *flow // payer's outgoing history; empty if none
	in    *flow // payee's incoming history; empty if none
	empty flow
}

// paymentRule is one built-in payment rule: its check name, reason code
// and how it is evaluated.
type paymentRule struct {
	name   string
	reason string
	eval   func(*Monitor, *paymentCtx) finding
}

// paymentRules run in this order; their checks are recorded in it.
var paymentRules = []paymentRule{
	{"frozen_account", entry.ReasonFrozenAccount, (*Monitor).frozen},
	{"account_drain", entry.ReasonAccountDrain, (*Monitor).drain},
	{"velocity", entry.ReasonVelocity, (*Monitor).velocity},
	{"amount_history", entry.ReasonAmountAnomaly, (*Monitor).amountHistory},
	{"new_counterparty", entry.ReasonNewCounterparty, (*Monitor).newCounterparty},
	{"structuring", entry.ReasonStructuring, (*Monitor).structuring},
	{"fan_out", entry.ReasonFanOut, (*Monitor).fanOut},
	{"fan_in", entry.ReasonFanIn, (*Monitor).fanIn},
	{"cycle", entry.ReasonCycle, (*Monitor).cycle},
	{"repeat_payee", entry.ReasonStructuring, (*Monitor).repeatPayee},
	{"split_amount", entry.ReasonAmountAnomaly, (*Monitor).splitAmount},
}

// paymentActions returns the configured action of each of paymentRules.
func paymentActions(r *PaymentRules) []Action {
	return []Action{
		r.Frozen.Action, r.Drain.Action, r.Velocity.Action, r.History.Action,
		r.NewCounterparty.Action, r.Structuring.Action, r.FanOut.Action, r.FanIn.Action, r.Cycle.Action,
		r.RepeatPayee.Action, r.SplitAmount.Action,
	}
}

// DecidePayment decides a payment against the committed state without
// changing it. now is the decision time; windows end at now. Every enabled
// rule is listed in the Decision's checks; a rule that errors is recorded
// as errored and the decision is still made.
func (m *Monitor) DecidePayment(p intake.Payment, now time.Time) entry.Decision {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := getScratch()
	defer s.release()
	s.payment = p
	v := newVerdictCap(m.cfg.Version, m.payCap)
	v.text = &s.text
	return m.decidePayment(v, s, now)
}

// decidePayment runs the payment rules on s.payment, writing observed
// values into v's text, and returns the decision. The caller holds the
// read lock.
func (m *Monitor) decidePayment(v *verdict, s *scratch, now time.Time) entry.Decision {
	if !checkWellFormed(v, wellFormedPayment(&s.payment)) {
		return v.finish()
	}
	c := &s.pctx
	*c = paymentCtx{p: &s.payment, t: v.text, now: now.UnixNano()}
	c.out, c.in = &c.empty, &c.empty
	if f, ok := m.st.out.peek(s.payment.From); ok {
		c.out = f
	}
	if f, ok := m.st.in.peek(s.payment.To); ok {
		c.in = f
	}
	for i := range paymentRules {
		r := &paymentRules[i]
		if a := m.payActs[i]; a != Off {
			v.record(r.name, a, r.reason, m.evalPayment(r.eval, c))
		}
	}
	for i := range m.custPay {
		m.runCustom(v, &m.custPay[i], paymentFieldsOf{c.p})
	}
	m.evalCustomPayment(v, c)
	return v.finish()
}

// evalPayment runs one rule, turning a panic into the rule's error.
func (m *Monitor) evalPayment(eval func(*Monitor, *paymentCtx) finding, c *paymentCtx) (f finding) {
	defer recoverRule(&f)
	return eval(m, c)
}

func (m *Monitor) frozen(c *paymentCtx) finding {
	switch {
	case m.froze[c.p.From]:
		return finding{fired: true, observed: "payer frozen", limit: "not frozen"}
	case m.froze[c.p.To]:
		return finding{fired: true, observed: "payee frozen", limit: "not frozen"}
	}
	return finding{observed: "neither frozen", limit: "not frozen"}
}

// drain fires when the payment takes at least Ratio of the payer's balance
// without exceeding it. A balance of zero means unknown (intake.Payment)
// and passes; a payment above the balance is an overdraft, which the core
// ledger accepts or declines, not an emptied account.
func (m *Monitor) drain(c *paymentCtx) finding {
	limit, bal := m.text.drain, c.p.FromBalance
	switch {
	case !m.kinds[c.p.Kind]:
		return finding{observed: "kind not covered", limit: limit}
	case bal.IsZero():
		return finding{observed: "balance unknown", limit: limit}
	case numOf(c.p.Amount).cmp(numOf(bal)) > 0:
		return finding{observed: "amount exceeds balance (overdraft)", limit: limit}
	}
	amount, balance := numOf(c.p.Amount), numOf(bal)
	fired := amount.cmp(balance.mul(numOf(m.cfg.Payments.Drain.Ratio.Decimal))) >= 0
	at := c.t.mark()
	c.t.num(amount.divRound(balance, 4)).str(" of balance")
	return finding{fired: fired, obs: c.t.since(at), limit: limit}
}

// velocity counts the payer's payments in the window, this one included.
// Every payment counts, whatever its amount (REPLAY M3).
func (m *Monitor) velocity(c *paymentCtx) finding {
	r := &m.cfg.Payments.Velocity
	n := 1 + c.out.countSince(c.now-int64(r.Window.Duration))
	at := c.t.mark()
	c.t.int(int64(n)).str(m.text.velocityIn)
	return finding{fired: n > r.Max, obs: c.t.since(at), limit: m.text.velocity}
}

// errZeroMean is the error of a ratio to a history whose mean is zero.
var errZeroMean = errors.New("mean of the account's history is zero: ratio undefined")

func (m *Monitor) amountHistory(c *paymentCtx) finding {
	r := &m.cfg.Payments.History
	n := c.out.count()
	at := c.t.mark()
	if n < r.MinCount {
		c.t.int(int64(n)).str(" payments of history")
		return finding{obs: c.t.since(at), limit: m.text.history}
	}
	if c.out.mean.IsZero() {
		return finding{err: errZeroMean}
	}
	amount, mean := numOf(c.p.Amount), numOf(c.out.mean)
	ceiling := mean.mul(numOf(r.Factor.Decimal))
	c.t.num(amount).str(" against mean ").num(mean).str(" of ").int(int64(n))
	obs, lim := c.t.since(at), c.t.mark()
	c.t.num(ceiling)
	return finding{fired: amount.cmp(ceiling) > 0, obs: obs, lim: c.t.since(lim)}
}

func (m *Monitor) newCounterparty(c *paymentCtx) finding {
	r, at := &m.cfg.Payments.NewCounterparty, c.t.mark()
	switch {
	case c.out.count() < r.MinHistory:
		c.t.int(int64(c.out.count())).str(" payments of history")
		return finding{obs: c.t.since(at), limit: m.text.newCounterparty}
	case c.out.hasPeer(c.p.To):
		return finding{observed: "known counterparty", limit: m.text.newCounterparty}
	}
	c.t.dec(c.p.Amount).str(" to a new counterparty")
	return finding{
		fired: numOf(c.p.Amount).cmp(numOf(r.Amount.Decimal)) >= 0,
		obs:   c.t.since(at),
		limit: m.text.newCounterparty,
	}
}

// structuring counts the payer's payments in the band just under the
// threshold, this one included, when this one is in the band.
func (m *Monitor) structuring(c *paymentCtx) finding {
	r := &m.cfg.Payments.Structuring
	lo, hi, amount := numOf(m.text.structuringLow), numOf(r.Threshold.Decimal), numOf(c.p.Amount)
	if amount.cmp(lo) < 0 || amount.cmp(hi) >= 0 {
		return finding{observed: "amount outside band", limit: m.text.structuring}
	}
	n := 1 + c.out.countBetween(c.now-int64(r.Window.Duration), lo, hi)
	at := c.t.mark()
	c.t.int(int64(n)).str(" in band")
	return finding{fired: n >= r.Count, obs: c.t.since(at), limit: m.text.structuring}
}

func (m *Monitor) fanOut(c *paymentCtx) finding {
	r := &m.cfg.Payments.FanOut
	n := c.out.distinctPeers(c.now-int64(r.Window.Duration), c.p.To)
	at := c.t.mark()
	c.t.int(int64(n)).str(m.text.fanOutIn)
	return finding{fired: n > r.Max, obs: c.t.since(at), limit: m.text.fanOut}
}

func (m *Monitor) fanIn(c *paymentCtx) finding {
	r := &m.cfg.Payments.FanIn
	n := c.in.distinctPeers(c.now-int64(r.Window.Duration), c.p.From)
	at := c.t.mark()
	c.t.int(int64(n)).str(m.text.fanInIn)
	return finding{fired: n > r.Max, obs: c.t.since(at), limit: m.text.fanIn}
}

// paymentFieldsOf exposes a payment to custom rules.
type paymentFieldsOf struct{ p *intake.Payment }

func (g paymentFieldsOf) text(field string) string {
	switch field {
	case "kind":
		return g.p.Kind
	case "currency":
		return g.p.Currency
	}
	return g.p.Source
}

func (g paymentFieldsOf) number(field string) (decimal.Decimal, error) {
	if field == "amount" {
		return g.p.Amount, nil
	}
	return g.p.FromBalance, nil
}
