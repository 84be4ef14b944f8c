package entry

import (
	"errors"
	"fmt"
)

// Outcome is what the leader decided about a submission.
type Outcome string

// Outcomes. A rejected submission is still recorded: the entry is the
// evidence that it was refused.
const (
	Accept Outcome = "accept"
	Review Outcome = "review"
	Reject Outcome = "reject"
)

// CheckResult is the result of one rule.
type CheckResult string

// Check results. Errored means the rule could not be evaluated; the decision
// is still made from the other rules.
const (
	Pass    CheckResult = "pass"
	Alert   CheckResult = "alert"
	Fail    CheckResult = "fail"
	Errored CheckResult = "error"
)

// Check records one rule's evaluation: the value observed next to the limit
// it was compared with.
type Check struct {
	Rule     string      `json:"rule"`
	Result   CheckResult `json:"result"`
	Reason   string      `json:"reason,omitempty"` // a code from Reasons when Result is not Pass
	Observed string      `json:"observed,omitempty"`
	Limit    string      `json:"limit,omitempty"`
}

// Decision is the leader's verdict on a submission, made before the entry
// is proposed so that followers never re-run a rule.
type Decision struct {
	Outcome  Outcome  `json:"outcome"`
	Reasons  []string `json:"reasons,omitempty"` // codes from Reasons, in rule order
	Checks   []Check  `json:"checks,omitempty"`
	RulePack string   `json:"rule_pack,omitempty"` // version of the rules applied
}

const maxChecks = 64

// Validate checks the outcome, the reason codes and the checks.
func (d *Decision) Validate() error {
	switch d.Outcome {
	case Accept, Review, Reject:
	default:
		return fmt.Errorf("unknown outcome %q", d.Outcome)
	}
	if len(d.Checks) > maxChecks {
		return fmt.Errorf("%d checks, at most %d", len(d.Checks), maxChecks)
	}
	for _, r := range d.Reasons {
		if !IsReason(r) {
			return fmt.Errorf("unknown reason code %q", r)
		}
	}
	for _, c := range d.Checks {
		if err := c.validate(); err != nil {
			return fmt.Errorf("check %q: %w", c.Rule, err)
		}
	}
	if d.Outcome != Accept && len(d.Reasons) == 0 {
		return errors.New("a decision other than accept needs a reason")
	}
	return nil
}

func (c Check) validate() error {
	if !validName(c.Rule, 64) {
		return errors.New("malformed rule name")
	}
	switch c.Result {
	case Pass, Alert, Fail, Errored:
	default:
		return fmt.Errorf("unknown result %q", c.Result)
	}
	if c.Reason != "" && !IsReason(c.Reason) {
		return fmt.Errorf("unknown reason code %q", c.Reason)
	}
	if len(c.Observed) > 256 || len(c.Limit) > 256 {
		return errors.New("observed or limit longer than 256 bytes")
	}
	return nil
}
