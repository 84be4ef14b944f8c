package guard

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"bastion/guard/archive"
	"bastion/guard/auditlog"
)

// MaxGroup is the most batches committed together: one archive
// transaction, one set of export syncs and two guard log syncs for the
// whole group. Checked batches wait in a queue of this length while the
// previous group is synced; a full queue blocks the caller. So at most
// 2×MaxGroup+1 batches are in memory between the diode queue and the
// archive: one being checked, MaxGroup queued, MaxGroup being committed.
const MaxGroup = 8

// errClosed is joined to ErrStopped for batches submitted after Close.
var errClosed = errors.New("guard closed")

// committed is the archive head as last committed. The committer writes
// it; anyone may read it.
type committed struct {
	mu   sync.Mutex
	head archive.Head
}

func (c *committed) get() archive.Head {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.head
}

func (c *committed) set(h archive.Head) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.head = h
}

// send hands c to the committer; after a stop or Close it is concluded at
// once with the error.
func (p *Pipeline) send(c *candidate) {
	if err := p.err(); err != nil || p.closed {
		if err == nil {
			err = errors.Join(ErrStopped, errClosed)
		}
		finish(c, Rejected, err)
		return
	}
	p.queue <- c
}

// commitLoop commits whatever is queued, in groups of up to MaxGroup, until
// the queue is closed.
func (p *Pipeline) commitLoop() {
	defer close(p.exited)
	for c := range p.queue {
		group := []*candidate{c}
		for len(group) < MaxGroup {
			next, ok := p.next()
			if !ok {
				break
			}
			group = append(group, next)
		}
		p.commit(group)
	}
}

// next returns a queued candidate without waiting.
func (p *Pipeline) next() (*candidate, bool) {
	select {
	case c, ok := <-p.queue:
		return c, ok
	default:
		return nil, false
	}
}

// commit runs the group stages over a group's checked batches and writes
// every line of the group, in queue order:
//
//  1. archive (8): one transaction, fsynced;
//  2. the lines of stages 1 to 8 and every other line, one sync;
//  3. publish (9): export files, then checkpoint and chain head;
//  4. the publish lines, one sync; then each caller learns its outcome.
//
// A group stage that fails stops the pipeline: the batches of the group
// and everything after them are concluded with ErrStopped.
func (p *Pipeline) commit(group []*candidate) {
	if err := p.err(); err != nil {
		finishAll(group, err)
		return
	}
	batches := checkedOf(group)
	failed := p.runGroup(batches, func(st groupStage) bool { return st.name() == StageArchive })
	if err := p.writeLines(group); err != nil {
		p.stop(err)
	}
	p.keepRejections(group)
	if failed == nil && p.err() == nil {
		failed = p.runGroup(batches, func(st groupStage) bool { return st.name() != StageArchive })
		if err := p.writeLines(batches); err != nil {
			p.stop(err)
		}
	}
	if failed != nil {
		p.stop(failed)
	}
	p.conclude(group)
}

// runGroup runs the group stages that want selects over batches, adds
// their lines and returns an error naming the first that did not pass.
func (p *Pipeline) runGroup(batches []*candidate, want func(groupStage) bool) error {
	if len(batches) == 0 {
		return nil
	}
	for _, st := range p.stages {
		gs, ok := st.(groupStage)
		if !ok || !want(gs) {
			continue
		}
		vs := p.runAll(gs, batches)
		for i, c := range batches {
			c.recs = append(c.recs, c.logRecord(gs.name(), vs[i]))
			p.metrics.stage(gs.name(), vs[i].decision)
			c.trail = append(c.trail, gs.name())
		}
		if v := vs[0]; v.decision != auditlog.Accept {
			return fmt.Errorf("%s stage failed for batch %d: %s", gs.name(), batches[0].seq(), v.reason)
		}
	}
	return nil
}

// runAll runs a group stage; a panic is a rejection (fail closed).
func (p *Pipeline) runAll(st groupStage, cs []*candidate) (vs []verdict) {
	defer func() {
		if r := recover(); r != nil {
			p.logger.Error("guard stage panicked", slog.String("stage", st.name()), slog.Any("panic", r))
			vs = all(len(cs), reject("stage failed internally"))
		}
	}()
	return st.checkAll(cs)
}

// writeLines writes the pending lines of cs with one sync.
func (p *Pipeline) writeLines(cs []*candidate) error {
	var recs []auditlog.Record
	for _, c := range cs {
		recs = append(recs, c.recs...)
		c.recs = c.recs[:0]
	}
	if len(recs) == 0 {
		return nil
	}
	return p.log.AppendAll(recs)
}

// keepRejections keeps the group's rejections in the archive; failing
// that is logged only, since the guard log already holds the decisions.
func (p *Pipeline) keepRejections(group []*candidate) {
	var rs []archive.Rejection
	for _, c := range group {
		if c.rejection != nil {
			rs = append(rs, *c.rejection)
		}
	}
	if len(rs) == 0 {
		return
	}
	if err := p.arch.AddRejections(rs); err != nil {
		p.logger.Error("failed to keep rejections", slog.Int("rejections", len(rs)), slog.Any("error", err))
	}
}

// conclude reports the group's outcomes.
func (p *Pipeline) conclude(group []*candidate) {
	err := p.err()
	head := p.Head()
	for _, c := range group {
		switch {
		case err != nil && c.checked:
			finish(c, Rejected, err)
			continue
		case c.outcome == Withheld:
			p.metrics.outcome(Rejected)
		}
		if c.outcome != 0 {
			p.metrics.outcome(c.outcome)
		}
		finish(c, c.outcome, err)
	}
	if err == nil {
		p.metrics.setHead(head, fullEntries(checkedOf(group)))
	}
}

// checkedOf returns the candidates of group that passed stages 1 to 7.
func checkedOf(group []*candidate) []*candidate {
	var out []*candidate
	for _, c := range group {
		if c.checked {
			out = append(out, c)
		}
	}
	return out
}

// fullEntries counts the items of the candidates' batches.
func fullEntries(cs []*candidate) int {
	n := 0
	for _, c := range cs {
		n += len(c.b.Items)
	}
	return n
}

func finishAll(group []*candidate, err error) {
	for _, c := range group {
		finish(c, Rejected, err)
	}
}

// finish calls c's done, if any.
func finish(c *candidate, o Outcome, err error) {
	if c.done != nil {
		c.done(o, err)
	}
}

// err returns the error that stopped the pipeline, or nil.
func (p *Pipeline) err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stopped
}

// stop fails the pipeline closed.
func (p *Pipeline) stop(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped == nil {
		p.stopped = errors.Join(ErrStopped, err)
		p.logger.Error("guard pipeline stopped", slog.Any("error", err))
		close(p.failed)
	}
}
