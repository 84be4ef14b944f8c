package guard

import (
	"fmt"
	"log/slog"
	"runtime/debug"

	"bastion/guard/archive"
	"bastion/guard/auditlog"
)

// enqueue checks one batch with stages 1 to 7, decides its provisional
// outcome and queues it for the commit, then does the same for any held
// batches it unblocks. done, if not nil, is called with the outcome once
// the batch is committed.
func (p *Pipeline) enqueue(seq uint64, raw []byte, done func(Outcome, error)) {
	c := &candidate{diodeSeq: seq, raw: raw, done: done}
	p.check(c)
	p.classify(c)
	p.send(c)
	if c.checked {
		p.drain()
	}
}

// check runs the checking stages (every stage before the first group
// stage) in order. A content stage (schema, scan) that rejects marks the
// batch withheld and the run goes on; any other stage that does not pass
// ends it. Each verdict becomes a guard log line, written at commit.
func (p *Pipeline) check(c *candidate) {
	for _, st := range p.stages {
		if _, ok := st.(groupStage); ok {
			c.checked = true
			return
		}
		v := p.run(st, c)
		c.recs = append(c.recs, c.logRecord(st.name(), v))
		p.metrics.stage(st.name(), v.decision)
		if isContent(st.name()) && v.decision == auditlog.Reject {
			c.withhold(st.name(), v)
		} else if v.decision != auditlog.Accept {
			c.outcome = outcomeOf(v.decision)
			if v.decision == auditlog.Reject {
				c.rejection = c.rejectionOf(st.name(), v)
			}
			return
		}
		c.trail = append(c.trail, st.name())
	}
}

// outcomeOf maps the decision that stopped a check to an outcome.
func outcomeOf(d auditlog.Decision) Outcome {
	switch d {
	case auditlog.Event:
		return Repeat
	case auditlog.Hold:
		return Held
	}
	return Rejected
}

// classify applies a checked batch's provisional outcome to the pipeline's
// own state: the ledger head moves past a batch to archive, a held batch
// enters the pending buffer.
func (p *Pipeline) classify(c *candidate) {
	switch {
	case c.checked && c.withheld != nil:
		c.outcome, c.rejection = Withheld, c.rejectionOf(c.withheldBy, *c.withheld)
	case c.checked:
		c.outcome = Accepted
	case c.outcome == Held:
		p.hold(c)
		return
	default:
		return
	}
	p.led.forget(p.Head().Seq)
	p.led.advance(c)
}

// drain checks held batches while the next one is in the buffer.
func (p *Pipeline) drain() {
	p.pending.dropUpTo(p.led.head.Seq)
	for {
		next := p.led.head.Seq + 1
		raw, ok := p.pending.take(next)
		if !ok {
			p.metrics.setPending(p.pending.len())
			return
		}
		c := &candidate{diodeSeq: next, raw: raw}
		p.check(c)
		p.classify(c)
		p.send(c)
		p.pending.dropUpTo(p.led.head.Seq)
	}
}

// hold keeps a batch in the pending buffer and logs what it displaced.
func (p *Pipeline) hold(c *candidate) {
	dropped := p.pending.add(c.b.Seq, c.raw)
	p.metrics.setPending(p.pending.len())
	for _, s := range dropped {
		c.recs = append(c.recs, auditlog.Record{BatchSeq: s, Stage: StageSequence, Decision: auditlog.Event,
			Reason: fmt.Sprintf("pending buffer full: held batch %d dropped, a resend can bring it again", s)})
	}
}

// run runs one stage; a panic is a rejection (fail closed).
func (p *Pipeline) run(st stage, c *candidate) (v verdict) {
	defer func() {
		if r := recover(); r != nil {
			p.logger.Error("guard stage panicked", slog.String("stage", st.name()),
				slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
			v = reject("stage failed internally")
		}
	}()
	return st.check(c)
}

// withhold records the first content rejection.
func (c *candidate) withhold(stage string, v verdict) {
	if c.withheld == nil {
		c.withheld, c.withheldBy = &v, stage
	}
}

// rejectionOf returns the archive's record of a rejection by stage.
func (c *candidate) rejectionOf(stage string, v verdict) *archive.Rejection {
	return &archive.Rejection{Time: now().UTC(), BatchSeq: c.seq(), Stage: stage,
		Reason: v.reason, LedgerFirst: c.ledgerFirst, LedgerSize: c.ledgerSize}
}

// logRecord returns the guard log record of a stage verdict.
func (c *candidate) logRecord(stage string, v verdict) auditlog.Record {
	return auditlog.Record{BatchSeq: c.seq(), Stage: stage, Decision: v.decision,
		Reason: v.reason, LedgerFirst: c.ledgerFirst, LedgerSize: c.ledgerSize}
}

func isContent(stage string) bool { return stage == StageSchema || stage == StageScan }
