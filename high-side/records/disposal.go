package records

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"bastion/shared/entry"
)

// DisposalSource is what planning a disposal reads; *ledger.Reader
// satisfies it.
type DisposalSource interface {
	OpeningReader
	// Entry returns the entry at index as recorded.
	Entry(index uint64) ([]byte, error)
	// OpeningIndexes calls fn, in order, with each index from first on
	// that still has openings, until fn returns false.
	OpeningIndexes(first uint64, fn func(index uint64) bool)
}

// Plan is what a disposal run will do: one disposal entry body per class
// and rule (split at entry.MaxDisposalIndexes indexes), and the entries it
// leaves alone because a legal hold preserves them.
type Plan struct {
	Disposals []entry.Disposal
	Held      []HeldEntry
}

// HeldEntry is an entry past its retention that a legal hold preserves.
type HeldEntry struct {
	Index  uint64
	Matter string
}

// Planner finds entries past retention. Job names the program in the
// disposal entries it plans ("disposal-job", "bastionctl").
type Planner struct {
	Schedule *Schedule
	Holds    *Holds
	Job      string
}

// Plan scans every entry that still has openings and plans the disposal
// of those written at or before their class's cutoff at now, except those
// on hold. Entries no rule classifies are kept. It returns an error for an
// entry or openings value it cannot read or decode; nothing is planned
// then.
func (p *Planner) Plan(src DisposalSource, now time.Time) (*Plan, error) {
	groups := map[[2]string]*entry.Disposal{}
	plan := &Plan{}
	var scanErr error
	src.OpeningIndexes(0, func(i uint64) bool {
		scanErr = p.consider(src, i, now, groups, plan)
		return scanErr == nil
	})
	if scanErr != nil {
		return nil, scanErr
	}
	keys := make([][2]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int { return cmpKey(a, b) })
	for _, k := range keys {
		plan.Disposals = append(plan.Disposals, split(*groups[k])...)
	}
	return plan, nil
}

// consider adds entry i to its group when it is due and not held.
func (p *Planner) consider(src DisposalSource, i uint64, now time.Time,
	groups map[[2]string]*entry.Disposal, plan *Plan) error {
	raw, err := src.Entry(i)
	if err != nil {
		return fmt.Errorf("failed to read entry %d: %w", i, err)
	}
	e, err := entry.Decode(raw)
	if err != nil {
		return fmt.Errorf("entry %d: %w", i, err)
	}
	class, rule, ok, err := p.Schedule.Classify(e)
	if err != nil || !ok {
		return err
	}
	cutoff := class.Retain.Cutoff(now)
	if e.Timestamp().After(cutoff) {
		return nil
	}
	record, amends := amendedRecord(e)
	if m, held := p.Holds.Held(i, e.ID, record, amends); held {
		plan.Held = append(plan.Held, HeldEntry{Index: i, Matter: m})
		return nil
	}
	ops, err := Openings(src, i)
	if err != nil {
		return err
	}
	g := groups[[2]string{class.Name, rule}]
	if g == nil {
		g = &entry.Disposal{Class: class.Name, Rule: rule, Retain: class.Retain.String(),
			Schedule: p.Schedule.Digest, Cutoff: cutoff.UnixNano(), Job: p.Job}
		groups[[2]string{class.Name, rule}] = g
	}
	g.Indexes = append(g.Indexes, i)
	for _, op := range ops {
		if !slices.Contains(g.Fields, op.Field) {
			g.Fields = append(g.Fields, op.Field)
		}
	}
	slices.Sort(g.Fields)
	return nil
}

// amendedRecord returns the record index an amendment amends.
func amendedRecord(e *entry.Envelope) (uint64, bool) {
	if e.Type != entry.TypeAmendment {
		return 0, false
	}
	var a entry.Amendment
	if json.Unmarshal(e.Body, &a) != nil {
		return 0, false
	}
	return a.Record, true
}

// split cuts d into bodies of at most entry.MaxDisposalIndexes indexes.
func split(d entry.Disposal) []entry.Disposal {
	var out []entry.Disposal
	for c := range slices.Chunk(d.Indexes, entry.MaxDisposalIndexes) {
		part := d
		part.Indexes = slices.Clone(c)
		out = append(out, part)
	}
	return out
}

func cmpKey(a, b [2]string) int {
	return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
}

// DisposalID returns the idempotency ID of a disposal entry: "disposal-",
// the rule, and the first and last index, so running the same plan twice
// records it once.
func DisposalID(d entry.Disposal) string {
	return fmt.Sprintf("disposal-%s-%d-%d", d.Rule, d.Indexes[0], d.Indexes[len(d.Indexes)-1])
}
