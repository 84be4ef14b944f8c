package monitor

import "strconv"

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
	var v visits
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
					return finding{fired: true, observed: "returns to payer in " + strconv.Itoa(depth+1) + " payments", limit: m.text.cycle}
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
// it grows.
type visits struct {
	buf   [16]string
	order []string
	set   map[string]struct{}
}

func (v *visits) add(s string) {
	if v.order == nil {
		v.order = v.buf[:0]
	}
	v.order = append(v.order, s)
	if v.set != nil {
		v.set[s] = struct{}{}
	} else if len(v.order) > len(v.buf) {
		v.set = make(map[string]struct{}, maxCycleVisits)
		for _, x := range v.order {
			v.set[x] = struct{}{}
		}
	}
}

func (v *visits) has(s string) bool {
	if v.set != nil {
		_, ok := v.set[s]
		return ok
	}
	return contains(v.order, s)
}
