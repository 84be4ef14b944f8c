package monitor

import (
	"strconv"
	"sync"
)

// maxCycleVisits bounds the accounts one cycle search may visit.
const maxCycleVisits = 256

// cycle searches, breadth first, for a chain of committed payments within
// the window that leads from the payee back to the payer: with this
// payment, the funds would return to their origin. The search follows at
// most MaxDepth payments and visits at most maxCycleVisits accounts. The
// accounts reached by the last payment are only compared with the payer:
// no further payment would be followed from them.
func (m *Monitor) cycle(c *paymentCtx) finding {
	r := &m.cfg.Payments.Cycle
	if c.p.From == c.p.To {
		return finding{fired: true, observed: "payment to itself", limit: m.text.cycle}
	}
	since, from, fromH := c.now-int64(r.Window.Duration), c.p.From, peerHash(c.p.From)
	v := visitPool.Get().(*visits)
	defer v.release()
	v.add(c.p.To, peerHash(c.p.To))
	level := 0
	for depth := 1; depth <= r.MaxDepth && level < len(v.order); depth++ {
		end := len(v.order)
		for _, acct := range v.order[level:end] {
			f, ok := m.st.out.peek(acct.name)
			if !ok {
				continue
			}
			for i := range f.ev {
				e := &f.ev[i]
				switch {
				case e.at <= since:
				case e.isPeer(from, fromH):
					return finding{fired: true, observed: cycleTexts[depth+1], limit: m.text.cycle}
				case depth < r.MaxDepth && len(v.order) < maxCycleVisits && !v.has(e.peer, e.peerH):
					v.add(e.peer, e.peerH)
				}
			}
		}
		level = end
	}
	return finding{observed: "no return", limit: m.text.cycle}
}

// cycleTexts[n] is the observed value of a cycle of n payments, rendered
// once for every length a search can find.
var cycleTexts = func() []string {
	t := make([]string, maxCycleDepth+2)
	for n := range t {
		t[n] = "returns to payer in " + strconv.Itoa(n) + " payments"
	}
	return t
}()

// visits is the set of accounts a search has reached, in breadth-first
// order, with an open-addressing index over their hashes. A slot of the
// index is taken when it carries the search's generation, so starting a
// search clears nothing. Searches take one from visitPool and release it,
// so the buffers are reused rather than allocated per decision.
type visits struct {
	order []visit
	gen   uint32
	index [visitSlots]visitSlot
}

type visit struct {
	name string
	hash uint64
}

type visitSlot struct {
	hash uint64
	pos  int32 // position in order
	gen  uint32
}

// visitSlots is the size of the index: a power of two at least twice
// maxCycleVisits, so probes stay short.
const visitSlots = 512

var visitPool = sync.Pool{New: func() any {
	return &visits{order: make([]visit, 0, maxCycleVisits), gen: 1}
}}

// release empties v and returns it to the pool.
func (v *visits) release() {
	clear(v.order)
	v.order = v.order[:0]
	if v.gen++; v.gen == 0 { // wrapped: old slots would look taken
		v.index, v.gen = [visitSlots]visitSlot{}, 1
	}
	visitPool.Put(v)
}

// add records account, whose hash is h; the caller checks has first.
func (v *visits) add(account string, h uint64) {
	v.order = append(v.order, visit{account, h})
	i := h & (visitSlots - 1)
	for v.index[i].gen == v.gen {
		i = (i + 1) & (visitSlots - 1)
	}
	v.index[i] = visitSlot{hash: h, pos: int32(len(v.order) - 1), gen: v.gen}
}

func (v *visits) has(account string, h uint64) bool {
	for i := h & (visitSlots - 1); v.index[i].gen == v.gen; i = (i + 1) & (visitSlots - 1) {
		if x := &v.index[i]; x.hash == h && v.order[x.pos].name == account {
			return true
		}
	}
	return false
}
