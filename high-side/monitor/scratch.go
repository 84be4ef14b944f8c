package monitor

import (
	"sync"

	"bastion/high-side/intake"
)

// scratch is the working memory of one decision: the submission, the
// context the rules read and the text they write. Decisions take one from
// scratchPool and return it, so deciding allocates no context of its own.
type scratch struct {
	order   intake.Order
	payment intake.Payment
	octx    orderCtx
	pctx    paymentCtx
	text    text
}

// scratchText is the text capacity a scratch starts with, in bytes: room
// for the observed values of one decision.
const scratchText = 2048

var scratchPool = sync.Pool{New: func() any {
	return &scratch{text: text{b: make([]byte, 0, scratchText)}}
}}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

// release clears s, so the pool keeps no submission alive, and returns it.
// A text that grew past 64 KB is dropped rather than kept.
func (s *scratch) release() {
	b := s.text.b[:0]
	if cap(b) > 64<<10 {
		b = make([]byte, 0, scratchText)
	}
	*s = scratch{text: text{b: b}}
	scratchPool.Put(s)
}
