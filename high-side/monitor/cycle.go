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
// most MaxDepth payments and visits at most maxCycleVisits accounts.
func (m *Monitor) cycle(c *paymentCtx) finding {
	r := &m.cfg.Payments.Cycle
	if c.p.From == c.p.To {
		return finding{fired: true, observed: "payment to itself", limit: m.text.cycle}
	}
	since := c.now - int64(r.Window.Duration)
	v := visitPool.Get().(*visits)
	defer v.release()
	v.add(c.p.To)
	level := 0
	for depth := 1; depth <= r.MaxDepth && level < len(v.order); depth++ {
		end := len(v.order)
		for _, acct := range v.order[level:end] {
			f, ok := m.st.out.peek(acct)
			if !ok {
				continue
			}
			for i := range f.ev {
				e := &f.ev[i]
				switch {
				case e.at <= since:
				case e.peer == c.p.From:
					obs := "returns to payer in " + strconv.Itoa(depth+1) + " payments"
					return finding{fired: true, observed: obs, limit: m.text.cycle}
				case len(v.order) < maxCycleVisits && !v.has(e.peer):
					v.add(e.peer)
				}
			}
		}
		level = end
	}
	return finding{observed: "no return", limit: m.text.cycle}
}

// visits is the set of accounts a search has reached, in breadth-first
// order. Membership is a linear scan while the set is small and a map once
// it grows. Searches take one from visitPool and release it, so the
// buffers are reused rather than allocated per decision.
type visits struct {
	order  []string
	set    map[string]struct{}
	useSet bool
}

// smallVisits is the size up to which membership is a linear scan.
const smallVisits = 16

var visitPool = sync.Pool{New: func() any {
	return &visits{order: make([]string, 0, maxCycleVisits), set: make(map[string]struct{}, maxCycleVisits)}
}}

// release empties v and returns it to the pool.
func (v *visits) release() {
	clear(v.order)
	v.order = v.order[:0]
	if v.useSet {
		clear(v.set)
		v.useSet = false
	}
	visitPool.Put(v)
}

func (v *visits) add(s string) {
	v.order = append(v.order, s)
	if v.useSet {
		v.set[s] = struct{}{}
	} else if len(v.order) > smallVisits {
		v.useSet = true
		for _, x := range v.order {
			v.set[x] = struct{}{}
		}
	}
}

func (v *visits) has(s string) bool {
	if v.useSet {
		_, ok := v.set[s]
		return ok
	}
	return contains(v.order, s)
}
