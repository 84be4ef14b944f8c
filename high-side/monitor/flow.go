package monitor

import (
	"hash/maphash"

	"github.com/shopspring/decimal"
)

// flowEvent is one committed payment seen from one account: when, how much
// and with whom.
type flowEvent struct {
	at     int64 // ns since the Unix epoch, commit time
	amount decimal.Decimal
	cents  int64  // amount in whole cents (centsOf), for integer comparisons
	peer   string // the other account
	peerH  uint64 // peerHash(peer), compared before peer
}

// peerSeed seeds the account hashes of this process. A hash only filters
// comparisons: two accounts are the same when their identifiers are equal,
// so results never depend on the seed.
var peerSeed = maphash.MakeSeed()

// peerHash returns the hash of an account identifier.
func peerHash(account string) uint64 { return maphash.String(peerSeed, account) }

// isPeer reports whether e involves peer, whose hash is h.
func (e *flowEvent) isPeer(peer string, h uint64) bool {
	return e.peerH == h && e.peer == peer
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
	e.peerH = peerHash(e.peer)
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
func (f *flow) countBetween(t int64, lo, hi num) int {
	n := 0
	for i := range f.ev {
		e := &f.ev[i]
		if e.at <= t {
			continue
		}
		if a := numOf(e.amount); a.cmp(lo) >= 0 && a.cmp(hi) < 0 {
			n++
		}
	}
	return n
}

// hasPeer reports whether any kept event involves peer.
func (f *flow) hasPeer(peer string) bool {
	h := peerHash(peer)
	for i := range f.ev {
		if f.ev[i].isPeer(peer, h) {
			return true
		}
	}
	return false
}

// distinctPeers counts the distinct peers of events after t, plus extra if
// it is not among them.
func (f *flow) distinctPeers(t int64, extra string) int {
	var set peerSet
	set.add(extra, peerHash(extra))
	for i := range f.ev {
		if e := &f.ev[i]; e.at > t {
			set.add(e.peer, e.peerH)
		}
	}
	return set.len()
}

// peerSet is a small set of accounts held with their hashes, for counting
// distinct peers without a map. Its zero value is empty; it holds 64
// accounts in place and allocates only beyond.
type peerSet struct {
	n      int
	hashes [64]uint64
	names  [64]string
	more   []visit
}

// add adds account, whose hash is h, unless it is already in the set.
func (s *peerSet) add(account string, h uint64) {
	for i, x := range s.hashes[:min(s.n, len(s.hashes))] {
		if x == h && s.names[i] == account {
			return
		}
	}
	for _, x := range s.more {
		if x.hash == h && x.name == account {
			return
		}
	}
	if s.n < len(s.hashes) {
		s.hashes[s.n], s.names[s.n] = h, account
	} else {
		s.more = append(s.more, visit{account, h})
	}
	s.n++
}

func (s *peerSet) len() int { return s.n }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
