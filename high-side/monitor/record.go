package monitor

import (
	"strings"
	"time"

	"bastion/high-side/intake"
	"bastion/shared/entry"
)

// Record is a decision written into memory its holder owns, so that a
// caller deciding in a loop allocates nothing once the record has grown to
// its working size. DecideOrderInto and DecidePaymentInto fill it; its
// zero value is ready to use.
//
// The strings of Decision (observed values and limits) are read in place
// from the record's buffer, and its Checks and Reasons reuse the record's
// slices: the Decision is valid until the record is filled again. A caller
// that keeps a decision past that point keeps Clone's copy. A Record is
// not safe for concurrent use; one per deciding goroutine.
type Record struct {
	// Decision is the last decision made into the record.
	Decision entry.Decision
	text     text
	reasons  []string // room for Decision.Reasons, kept when it is nil
}

// Clone returns a copy of the record's decision that shares no memory
// with the record.
func (r *Record) Clone() entry.Decision {
	d := r.Decision
	d.Reasons = append([]string(nil), d.Reasons...) // codes are constants
	d.Checks = append([]entry.Check(nil), d.Checks...)
	for i := range d.Checks {
		c := &d.Checks[i]
		c.Observed, c.Limit = strings.Clone(c.Observed), strings.Clone(c.Limit)
	}
	return d
}

// DecideOrderInto decides an order event as DecideOrder does and writes
// the decision into r, reusing r's memory; it returns r.Decision. With the
// built-in rules it allocates nothing once r and the monitor's working
// buffers have grown to their working size; custom CEL rules, when the
// pack has any, allocate while they evaluate.
func (m *Monitor) DecideOrderInto(o intake.Order, now time.Time, r *Record) entry.Decision {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := getScratch()
	defer s.release()
	s.order = o
	var v verdict
	v.startRecord(r, m.cfg.Version, m.checksFor(eventBit(o.Event)))
	return m.decideOrder(&v, s, now)
}

// DecidePaymentInto decides a payment as DecidePayment does and writes the
// decision into r, reusing r's memory; it returns r.Decision. Like
// DecideOrderInto it allocates nothing with the built-in rules once r has
// grown to its working size.
func (m *Monitor) DecidePaymentInto(p intake.Payment, now time.Time, r *Record) entry.Decision {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := getScratch()
	defer s.release()
	s.payment = p
	var v verdict
	v.startRecord(r, m.cfg.Version, m.payCap)
	return m.decidePayment(&v, s, now)
}
