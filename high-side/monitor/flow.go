package monitor

import "github.com/shopspring/decimal"

// flowEvent is one committed payment seen from one account: when, how much
// and with whom.
type flowEvent struct {
	at     int64 // ns since the Unix epoch, commit time
	amount decimal.Decimal
	cents  int64  // amount in whole cents (centsOf), for integer comparisons
	peer   string // the other account
}

// flow is the recent payment history of one account in one direction: a
// ring of the last cap events, the running sum of their amounts and its
// mean, kept up to date when an event is added so deciding never divides.
type flow struct {
	ev    []flowEvent
	start int // index of the oldest event once the ring is full
	sum   decimal.Decimal
	mean  decimal.Decimal // sum / len(ev), rounded to 2 places
}

func newFlow(capacity int) *flow {
	return &flow{ev: make([]flowEvent, 0, capacity)}
}

// add appends e, dropping the oldest event when the ring is full.
func (f *flow) add(e flowEvent) {
	e.cents = centsOf(e.amount)
	f.sum = f.sum.Add(e.amount)
	if len(f.ev) < cap(f.ev) {
		f.ev = append(f.ev, e)
	} else {
		f.sum = f.sum.Sub(f.ev[f.start].amount)
		f.ev[f.start] = e
		f.start = (f.start + 1) % len(f.ev)
	}
	f.mean = f.sum.DivRound(decimal.NewFromInt(int64(len(f.ev))), 2)
}

// count returns the number of events kept.
func (f *flow) count() int { return len(f.ev) }

// Window queries below scan every kept event: commit times are not assumed
// to be ordered.

// countSince returns the number of events committed after t (ns).
func (f *flow) countSince(t int64) int {
	n := 0
	for i := range f.ev {
		if f.ev[i].at > t {
			n++
		}
	}
	return n
}

// countBetween returns the number of events after t with lo <= amount < hi.
func (f *flow) countBetween(t int64, lo, hi decimal.Decimal) int {
	n := 0
	for i := range f.ev {
		e := &f.ev[i]
		if e.at > t && e.amount.GreaterThanOrEqual(lo) && e.amount.LessThan(hi) {
			n++
		}
	}
	return n
}

// hasPeer reports whether any kept event involves peer.
func (f *flow) hasPeer(peer string) bool {
	for i := range f.ev {
		if f.ev[i].peer == peer {
			return true
		}
	}
	return false
}

// distinctPeers counts the distinct peers of events after t, plus extra if
// it is not among them.
func (f *flow) distinctPeers(t int64, extra string) int {
	var buf [64]string
	seen := append(buf[:0], extra)
	for i := range f.ev {
		e := &f.ev[i]
		if e.at > t && !contains(seen, e.peer) {
			seen = append(seen, e.peer)
		}
	}
	return len(seen)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
