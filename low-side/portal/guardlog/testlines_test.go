package guardlog

import "time"

// chain builds well-chained log lines the way the guard writes them.
type chain struct {
	seq  uint64
	prev string
}

// next returns the next line, encoded with its newline, for a batch,
// stage and decision.
func (c *chain) next(batch uint64, stage string, d Decision, reason string) []byte {
	c.seq++
	if c.prev == "" {
		c.prev = GenesisHash
	}
	b, h := Encode(Line{
		Time: time.Date(2012, 6, 21, 9, 30, int(c.seq), 0, time.UTC), Seq: c.seq, BatchSeq: batch,
		Stage: stage, Decision: d, Reason: reason, LedgerFirst: batch * 10, LedgerSize: batch*10 + 10,
		Prev: c.prev,
	})
	c.prev = h
	return append(b, '\n')
}
