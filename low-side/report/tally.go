package report

import (
	"cmp"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"time"

	"bastion/shared/entry"
)

// tally holds the running counts behind one report.
type tally struct {
	entries, withheld int
	ledger, batches   Range
	seen              bool // ledger is set
	checkpoint        *Checkpoint
	byType            map[string]int
	byOutcome         map[string]int
	reasons           map[string]int
	rejections        []Rejection
	refused           []RefusedBatch
}

func newTally() *tally {
	return &tally{byType: map[string]int{}, byOutcome: map[string]int{}, reasons: map[string]int{}}
}

// add counts the entry at ledger index idx; env is nil for a withheld one.
func (t *tally) add(idx uint64, env *entry.Envelope) {
	t.entries++
	if !t.seen || idx < t.ledger.First {
		t.ledger.First = idx
	}
	if !t.seen || idx > t.ledger.Last {
		t.ledger.Last = idx
	}
	t.seen = true
	if env == nil {
		t.withheld++
		return
	}
	t.byType[string(env.Type)]++
	if env.Decision == nil {
		t.byOutcome[NoDecision]++
		return
	}
	t.byOutcome[string(env.Decision.Outcome)]++
	for _, r := range env.Decision.Reasons {
		t.reasons[r]++
	}
	if rej, ok := rejection(idx, env); ok {
		t.rejections = append(t.rejections, rej)
	}
}

// noteBatch records that batch seq, carrying checkpoint cp, added entries.
func (t *tally) noteBatch(seq uint64, cp *Checkpoint) {
	if t.batches.First == 0 || seq < t.batches.First {
		t.batches.First = seq
	}
	t.batches.Last = max(t.batches.Last, seq)
	if cp != nil {
		t.checkpoint = cp
	}
}

// absorb adds the counts of o, which holds only withheld entries read
// before t's.
func (t *tally) absorb(o *tally) {
	t.entries += o.entries
	t.withheld += o.withheld
	t.ledger, t.seen = o.ledger, o.seen
	t.batches = o.batches
	t.checkpoint = o.checkpoint
	t.refused = o.refused
}

// daily renders the tally as a report for date.
func (t *tally) daily(date string) *Daily {
	return &Daily{
		Date:       date,
		Checkpoint: t.checkpoint,
		Ledger:     t.ledger,
		Batches:    t.batches,
		Entries:    t.entries,
		Withheld:   t.withheld,
		ByType:     byKey(t.byType),
		ByOutcome:  byKey(t.byOutcome),
		TopReasons: byCount(t.reasons),
		Rejections: slices.Clip(t.rejections), // shared: t only appends beyond it
		Refused:    append([]RefusedBatch{}, t.refused...),
	}
}

// byKey returns the counts sorted by key.
func byKey(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, Count{Key: k, Count: m[k]})
	}
	return out
}

// byCount returns the counts, most frequent first, ties by key.
func byCount(m map[string]int) []Count {
	out := byKey(m)
	slices.SortStableFunc(out, func(a, b Count) int { return cmp.Compare(b.Count, a.Count) })
	return out
}

// rejection returns the record of a rejected order or payment.
func rejection(idx uint64, env *entry.Envelope) (Rejection, bool) {
	if env.Decision.Outcome != entry.Reject {
		return Rejection{}, false
	}
	var ref, detail string
	switch env.Type {
	case entry.TypeOrder:
		var o entry.Order
		if decodeBody(env, &o) == nil {
			ref, detail = o.OrderID, string(o.Event)+" "+string(o.Side)+" "+
				strconv.FormatInt(o.Quantity, 10)+" "+o.Symbol+" @ "+o.Price.String()
		}
	case entry.TypePayment:
		var p entry.Payment
		if decodeBody(env, &p) == nil {
			ref, detail = p.PaymentID, p.Kind+" "+p.Amount.String()+" "+p.Currency
		}
	default:
		return Rejection{}, false
	}
	d := env.Decision
	return Rejection{
		Index: idx, Time: env.Timestamp().Format(time.RFC3339Nano), Type: env.Type,
		ID: env.ID, Actor: env.Actor, Ref: ref, Detail: detail,
		Reasons: nonNil(d.Reasons), Checks: nonNilChecks(d.Checks), RulePack: d.RulePack,
	}, true
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

func nonNilChecks(c []entry.Check) []entry.Check {
	if c == nil {
		return []entry.Check{}
	}
	return slices.Clone(c)
}

// decodeBody decodes the entry body, already validated by the guard.
func decodeBody(env *entry.Envelope, v any) error {
	return json.Unmarshal(env.Body, v)
}
