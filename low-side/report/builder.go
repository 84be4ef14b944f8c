package report

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"bastion/shared/entry"
)

// ErrOutOfOrder is returned by Builder.Add for a batch whose sequence is
// not above the last one added, or whose ledger indexes overlap entries
// already read.
var ErrOutOfOrder = errors.New("batch out of order")

// dateLayout formats a report date.
const dateLayout = "2006-01-02"

// Builder accumulates the daily reports over batches added in sequence
// order. It holds counters and rejection records only, never the batches.
// A Builder is not safe for concurrent use.
type Builder struct {
	days    map[string]*tally
	all     *tally
	pending *tally // withheld entries seen before any releasable one
	gaps    []Range

	started bool
	lastSeq uint64
	next    uint64 // next expected ledger index
	date    string // date of the last releasable entry read
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	return &Builder{days: map[string]*tally{}, all: newTally(), pending: newTally()}
}

// LastSeq returns the sequence of the last batch added, and false if none
// was.
func (b *Builder) LastSeq() (uint64, bool) { return b.lastSeq, b.started }

// Add reads one batch. Batches must come in ascending sequence order with
// ledger indexes that do not overlap (ErrOutOfOrder); a jump in ledger
// indexes is recorded as a gap. An entry that does not parse or a
// malformed checkpoint makes Add return an error naming it, and the
// Builder is left unchanged.
func (b *Builder) Add(bt *Batch) error {
	if err := b.checkOrder(bt); err != nil {
		return err
	}
	envs, cp, err := parseBatch(bt)
	if err != nil {
		return err
	}

	// Record a jump in ledger indexes, then count every item.
	if bt.First > b.next || (!b.started && bt.First > 0) {
		b.gaps = append(b.gaps, Range{First: b.next, Last: bt.First - 1})
	}
	touched := map[*tally]bool{b.all: true}
	for i, env := range envs {
		t := b.tallyFor(env)
		t.add(bt.First+uint64(i), env)
		b.all.add(bt.First+uint64(i), env)
		touched[t] = true
	}
	for t := range touched {
		t.noteBatch(bt.Seq, cp)
	}
	if r := bt.Refused; r != nil && len(envs) > 0 {
		rb := RefusedBatch{Seq: bt.Seq, Stage: r.Stage, Reason: r.Reason, Entries: len(envs),
			Ledger: Range{First: bt.First, Last: bt.First + uint64(len(envs)) - 1}}
		b.tallyFor(nil).refused = append(b.tallyFor(nil).refused, rb)
		b.all.refused = append(b.all.refused, rb)
	}
	b.started, b.lastSeq, b.next = true, bt.Seq, bt.First+uint64(len(envs))
	return nil
}

func (b *Builder) checkOrder(bt *Batch) error {
	if !b.started {
		return nil
	}
	if bt.Seq <= b.lastSeq {
		return fmt.Errorf("%w: sequence %d after %d", ErrOutOfOrder, bt.Seq, b.lastSeq)
	}
	if bt.First < b.next {
		return fmt.Errorf("%w: batch %d starts at ledger index %d, before %d", ErrOutOfOrder, bt.Seq, bt.First, b.next)
	}
	return nil
}

// parseBatch parses every entry and the checkpoint of bt; nil entries are
// withheld ones.
func parseBatch(bt *Batch) ([]*entry.Envelope, *Checkpoint, error) {
	var cp *Checkpoint
	if len(bt.Checkpoint) > 0 {
		c, err := ParseCheckpoint(bt.Checkpoint)
		if err != nil {
			return nil, nil, fmt.Errorf("batch %d: %w", bt.Seq, err)
		}
		cp = &c
	}
	envs := make([]*entry.Envelope, len(bt.Items))
	for i, it := range bt.Items {
		if it.Entry == nil {
			continue
		}
		env, err := entry.Decode(it.Entry)
		if err != nil {
			return nil, nil, fmt.Errorf("batch %d, ledger index %d: %w", bt.Seq, bt.First+uint64(i), err)
		}
		envs[i] = env
	}
	return envs, cp, nil
}

// tallyFor returns the tally an entry is counted in: its own date, or for
// a withheld entry the date of the last releasable entry.
func (b *Builder) tallyFor(env *entry.Envelope) *tally {
	if env == nil {
		if b.date == "" {
			return b.pending
		}
		return b.days[b.date]
	}
	b.date = env.Timestamp().Format(dateLayout)
	t, ok := b.days[b.date]
	if !ok {
		t = newTally()
		b.days[b.date] = t
	}
	if b.pending.entries > 0 {
		t.absorb(b.pending)
		b.pending = newTally()
	}
	return t
}

// Dates returns the UTC dates that have entries, ascending.
func (b *Builder) Dates() []string {
	return slices.Sorted(maps.Keys(b.days))
}

// Report returns the report for date (YYYY-MM-DD or AllDates), and false
// if no entry has that date.
func (b *Builder) Report(date string) (*Daily, bool) {
	if date == AllDates {
		if !b.started {
			return nil, false
		}
		d := b.all.daily(date)
		d.Gaps = slices.Clone(b.gaps)
		return d, true
	}
	t, ok := b.days[date]
	if !ok {
		return nil, false
	}
	d := t.daily(date)
	d.Gaps = clipGaps(b.gaps, d.Ledger)
	return d, true
}

// clipGaps returns the parts of gaps that fall within r.
func clipGaps(gaps []Range, r Range) []Range {
	out := []Range{}
	for _, g := range gaps {
		if g.Last < r.First || g.First > r.Last {
			continue
		}
		out = append(out, Range{First: max(g.First, r.First), Last: min(g.Last, r.Last)})
	}
	return out
}
