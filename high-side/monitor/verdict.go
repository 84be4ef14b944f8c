package monitor

import (
	"fmt"
	"slices"
	"unsafe"

	"bastion/shared/entry"
)

// finding is what one rule concluded: whether it fired, what it observed
// and the limit it compared with. err set means the rule could not be
// evaluated.
type finding struct {
	fired    bool
	observed string
	obs      span // observed value in the decision's text, used when set
	limit    string
	lim      span // limit in the decision's text, used when set
	err      error
}

// verdict accumulates the checks of one decision. Observed values written
// into its text are attached to their checks by finish.
type verdict struct {
	d       *entry.Decision
	text    *text
	pending [maxPending]pendingText
	npend   int
	rec     *Record // set when d and text are a Record's: finish aliases, not copies
}

// pendingText is a check whose observed value, or limit, is a span of
// the text.
type pendingText struct {
	check int
	at    span
	limit bool
}

// maxPending bounds the checks of one decision that take their observed
// value from the text; the rest are rendered as strings at once.
const maxPending = 64

func newVerdict(pack string) *verdict { return newVerdictCap(pack, 12) }

// newVerdictCap returns a verdict with room for n checks, so recording
// never grows the slice.
func newVerdictCap(pack string, n int) *verdict {
	return &verdict{d: &entry.Decision{
		Outcome:  entry.Accept,
		RulePack: pack,
		Checks:   make([]entry.Check, 0, n),
	}}
}

// startRecord prepares r for a decision of at most n checks, reusing its
// memory, and points v at it.
func (v *verdict) startRecord(r *Record, pack string, n int) {
	d := &r.Decision
	checks := d.Checks[:0]
	if cap(checks) < n {
		checks = make([]entry.Check, 0, n)
	}
	clear(checks[:cap(checks)]) // keep no string of the previous decision reachable
	*d = entry.Decision{Outcome: entry.Accept, RulePack: pack, Checks: checks, Reasons: r.reasons[:0]}
	r.text.b = r.text.b[:0]
	v.d, v.text, v.rec = d, &r.text, r
}

// run evaluates one rule and records its check. A rule that panics or
// returns an error is recorded as errored with ReasonRuleError and holds
// the submission for review; the other rules still run (REPLAY M2).
func (v *verdict) run(rule string, action Action, reason string, eval func() finding) {
	if action == Off {
		return
	}
	v.record(rule, action, reason, safeEval(eval))
}

// record adds the check of one evaluated rule and escalates the outcome.
func (v *verdict) record(rule string, action Action, reason string, f finding) {
	c := entry.Check{Rule: rule, Result: entry.Pass, Observed: clip(f.observed), Limit: clip(f.limit)}
	if f.err == nil && !f.obs.empty() {
		v.attach(&c, f.obs, false)
	}
	if f.err == nil && !f.lim.empty() {
		v.attach(&c, f.lim, true)
	}
	switch {
	case f.err != nil:
		c.Result, c.Reason = entry.Errored, entry.ReasonRuleError
		c.Observed = clip(f.err.Error())
		v.escalate(entry.Review, entry.ReasonRuleError)
	case f.fired:
		c.Result, c.Reason = action.result(), reason
		v.escalate(outcomeOf(action), reason)
	}
	v.d.Checks = append(v.d.Checks, c)
}

// attach arranges for c, about to be appended, to take its observed value
// (or its limit) from span at of the text.
func (v *verdict) attach(c *entry.Check, at span, limit bool) {
	if v.npend == maxPending {
		s := clip(string(v.text.b[at.from:at.to]))
		if limit {
			c.Limit = s
		} else {
			c.Observed = s
		}
		return
	}
	v.pending[v.npend] = pendingText{check: len(v.d.Checks), at: at, limit: limit}
	v.npend++
}

// finish gives each pending check its slice of the text and returns the
// decision. The text is copied into one string, or, for a Record, read in
// place (Record says for how long).
func (v *verdict) finish() entry.Decision {
	if v.npend > 0 {
		var s string
		if v.rec != nil {
			s = unsafe.String(unsafe.SliceData(v.text.b), len(v.text.b))
		} else {
			s = string(v.text.b)
		}
		for _, p := range v.pending[:v.npend] {
			if c := &v.d.Checks[p.check]; p.limit {
				c.Limit = clip(s[p.at.from:p.at.to])
			} else {
				c.Observed = clip(s[p.at.from:p.at.to])
			}
		}
	}
	if v.rec != nil {
		v.rec.reasons = v.d.Reasons // keep the room it grew
		if len(v.d.Reasons) == 0 {
			v.d.Reasons = nil // as a decision with no reason has always had
		}
	}
	return *v.d
}

// safeEval turns a panic inside a rule into an error.
func safeEval(eval func() finding) (f finding) {
	defer recoverRule(&f)
	return eval()
}

// recoverRule, deferred by a rule's caller, records a panic as the rule's
// error.
func recoverRule(f *finding) {
	if r := recover(); r != nil {
		*f = finding{err: fmt.Errorf("rule failed: %v", r)}
	}
}

// escalate raises the outcome to at least o and notes the reason once.
func (v *verdict) escalate(o entry.Outcome, reason string) {
	if rank(o) > rank(v.d.Outcome) {
		v.d.Outcome = o
	}
	if !slices.Contains(v.d.Reasons, reason) {
		v.d.Reasons = append(v.d.Reasons, reason)
	}
}

func outcomeOf(a Action) entry.Outcome {
	if a == Reject {
		return entry.Reject
	}
	return entry.Review
}

func rank(o entry.Outcome) int {
	switch o {
	case entry.Reject:
		return 2
	case entry.Review:
		return 1
	}
	return 0
}

// clip keeps a recorded value within the 256 bytes a Check allows.
func clip(s string) string { return truncate(s, 256) }
