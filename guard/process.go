package guard

import (
	"fmt"
	"log/slog"
	"runtime/debug"

	"bastion/guard/archive"
	"bastion/guard/auditlog"
)

// process runs one batch through the stages. Content stages (schema,
// scan) that reject mark the batch withheld and the pipeline goes on to
// archive it in that form; any other stage that does not pass ends the
// run. The log lines of stages 1 to 8 are written and synced before
// publish runs; the publish line after it.
func (p *Pipeline) process(seq uint64, raw []byte) (Outcome, error) {
	c := &candidate{diodeSeq: seq, raw: raw}
	var recs []auditlog.Record
	var last verdict
	var lastStage string
	for _, st := range p.stages {
		if st.name() == StagePublish {
			if err := p.flush(&recs); err != nil {
				return Rejected, err
			}
		}
		v := p.run(st, c)
		recs = append(recs, c.logRecord(st.name(), v))
		p.metrics.stage(st.name(), v.decision)
		last, lastStage = v, st.name()
		if isContent(st.name()) && v.decision == auditlog.Reject {
			c.withhold(st.name(), v)
		} else if v.decision != auditlog.Accept {
			break
		}
		c.trail = append(c.trail, st.name())
	}
	if err := p.flush(&recs); err != nil {
		return Rejected, err
	}
	return p.conclude(c, lastStage, last)
}

// conclude turns the last verdict into an outcome and applies it.
func (p *Pipeline) conclude(c *candidate, stage string, v verdict) (Outcome, error) {
	switch {
	case v.decision == auditlog.Accept && c.withheld != nil:
		p.reject(c, c.withheldBy, *c.withheld)
		return p.accepted(c, Withheld)
	case v.decision == auditlog.Accept:
		return p.accepted(c, Accepted)
	case v.decision == auditlog.Event:
		p.metrics.outcome(Repeat)
		return Repeat, nil
	case v.decision == auditlog.Hold:
		return Held, p.hold(c)
	case stage == StageArchive || stage == StagePublish:
		return Rejected, fmt.Errorf("%s stage failed for batch %d: %s", stage, c.seq(), v.reason)
	}
	p.reject(c, stage, v)
	return Rejected, nil
}

func (p *Pipeline) accepted(c *candidate, o Outcome) (Outcome, error) {
	p.metrics.outcome(o)
	p.metrics.setHead(p.led.head, len(c.b.Items))
	return o, nil
}

// reject keeps a rejection in the archive; failing that is logged only,
// since the guard log already holds the decision.
func (p *Pipeline) reject(c *candidate, stage string, v verdict) {
	p.metrics.outcome(Rejected)
	err := p.arch.AddRejection(archive.Rejection{Time: now().UTC(), BatchSeq: c.seq(),
		Stage: stage, Reason: v.reason, LedgerFirst: c.ledgerFirst, LedgerSize: c.ledgerSize})
	if err != nil {
		p.logger.Error("failed to keep rejection", slog.Uint64("batch_seq", c.seq()), slog.Any("error", err))
	}
}

// hold keeps a batch in the pending buffer and logs what it displaced.
func (p *Pipeline) hold(c *candidate) error {
	p.metrics.outcome(Held)
	dropped := p.pending.add(c.b.Seq, c.raw)
	p.metrics.setPending(p.pending.len())
	var recs []auditlog.Record
	for _, s := range dropped {
		recs = append(recs, auditlog.Record{BatchSeq: s, Stage: StageSequence, Decision: auditlog.Event,
			Reason: fmt.Sprintf("pending buffer full: held batch %d dropped, a resend can bring it again", s)})
	}
	return p.flush(&recs)
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

// flush writes and syncs the collected log lines.
func (p *Pipeline) flush(recs *[]auditlog.Record) error {
	if len(*recs) == 0 {
		return nil
	}
	err := p.log.AppendAll(*recs)
	*recs = (*recs)[:0]
	return err
}

// withhold records the first content rejection.
func (c *candidate) withhold(stage string, v verdict) {
	if c.withheld == nil {
		c.withheld, c.withheldBy = &v, stage
	}
}

// logRecord returns the guard log record of a stage verdict.
func (c *candidate) logRecord(stage string, v verdict) auditlog.Record {
	return auditlog.Record{BatchSeq: c.seq(), Stage: stage, Decision: v.decision,
		Reason: v.reason, LedgerFirst: c.ledgerFirst, LedgerSize: c.ledgerSize}
}

func isContent(stage string) bool { return stage == StageSchema || stage == StageScan }
