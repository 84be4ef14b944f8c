package records

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"bastion/high-side/ledger"
	"bastion/shared/entry"
)

// amend appends the next version of record with quantity qty.
func amend(t *testing.T, tl *testLedger, record uint64, actor string, at time.Time, qty int64, reason string) uint64 {
	t.Helper()
	body, op := orderBody(t, "o-1", entry.OrderNew, qty, "ACCT-o-1")
	var a entry.Amendment
	var err error
	tl.view(t, func(r *ledger.Reader) { a, err = NextAmendment(r, record, body, reason) })
	if err != nil {
		t.Fatalf("NextAmendment: %v", err)
	}
	return tl.add(t, amendmentEntry(t, a, actor, at), []entry.Opening{op})
}

func amendmentEntry(t *testing.T, a entry.Amendment, actor string, at time.Time) *entry.Envelope {
	t.Helper()
	raw, err := entry.NewBody(a)
	if err != nil {
		t.Fatal(err)
	}
	return &entry.Envelope{Version: entry.Version, Type: entry.TypeAmendment, ID: id("amend-o-1", a.Version),
		Time: at.UnixNano(), Actor: actor, Label: entry.NewLabel(entry.Confidential, "trading"), Body: raw}
}

func quantity(t *testing.T, body json.RawMessage) int64 {
	t.Helper()
	var o entry.Order
	if err := json.Unmarshal(body, &o); err != nil {
		t.Fatal(err)
	}
	return o.Quantity
}

func TestThreeVersions(t *testing.T) {
	tl := newLedger(t)
	e, ops := order(t, "o-1", entry.OrderNew, epoch)
	record := tl.add(t, e, ops)
	tl.add(t, login(t, "l-1", epoch.Add(time.Minute)), nil)
	second := amend(t, tl, record, "ops-alice", epoch.Add(time.Hour), 150, "quantity keyed wrongly")
	tl.add(t, login(t, "l-2", epoch.Add(2*time.Hour)), nil)
	third := amend(t, tl, record, "ops-bob", epoch.Add(3*time.Hour), 120, "client confirmed 120")

	var h []Version
	var err error
	tl.view(t, func(r *ledger.Reader) { h, err = History(r, record) })
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		index  uint64
		actor  string
		at     time.Time
		qty    int64
		reason string
	}{
		{record, "T1", epoch, 100, ""},
		{second, "ops-alice", epoch.Add(time.Hour), 150, "quantity keyed wrongly"},
		{third, "ops-bob", epoch.Add(3 * time.Hour), 120, "client confirmed 120"},
	}
	if len(h) != len(want) {
		t.Fatalf("got %d versions, want %d", len(h), len(want))
	}
	for k, w := range want {
		v := h[k]
		if v.Number != k+1 || v.Index != w.index || v.Actor != w.actor || !v.Time.Equal(w.at) ||
			quantity(t, v.Body) != w.qty || v.Reason != w.reason || v.Type != entry.TypeOrder {
			t.Fatalf("version %d: got #%d at %d by %s at %v qty %d %q, want at %d by %s at %v qty %d %q",
				k+1, v.Number, v.Index, v.Actor, v.Time, quantity(t, v.Body), v.Reason,
				w.index, w.actor, w.at, w.qty, w.reason)
		}
		leaf, _ := tl.l.LeafHash(v.Index)
		if v.Leaf != leaf {
			t.Fatalf("version %d leaf: got %s, want %s", k+1, v.Leaf, leaf)
		}
	}
	tl.view(t, func(r *ledger.Reader) {
		v, err := VersionAt(r, record, 2)
		if err != nil || v.Index != second {
			t.Fatalf("VersionAt 2: got %d, %v; want %d", v.Index, err, second)
		}
		if _, err := VersionAt(r, record, 4); err == nil {
			t.Fatal("VersionAt 4 of 3: got no error")
		}
		if _, err := History(r, second); err == nil {
			t.Fatal("History of an amendment: got no error")
		}
	})
}

func TestBrokenChain(t *testing.T) {
	tl := newLedger(t)
	e, ops := order(t, "o-1", entry.OrderNew, epoch)
	record := tl.add(t, e, ops)
	body, _ := orderBody(t, "o-1", entry.OrderNew, 7, "ACCT-o-1")
	leaf, _ := tl.l.LeafHash(record)
	tests := []struct {
		name   string
		change func(a *entry.Amendment)
	}{
		{"wrong leaf", func(a *entry.Amendment) { a.PrevLeaf = flipLast(a.PrevLeaf) }},
		{"skips a version", func(a *entry.Amendment) { a.Version = 3; a.Prev = record }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := newLedger(t)
			tl.add(t, e, ops)
			a := entry.Amendment{Record: record, Prev: record, PrevLeaf: leaf.String(), Version: 2,
				RecordType: entry.TypeOrder, Body: body, Reason: "test"}
			tt.change(&a)
			if a.PrevLeaf == leaf.String() && a.Version == 2 {
				t.Fatal("change made no difference")
			}
			tl.add(t, amendmentEntry(t, a, "ops", epoch.Add(time.Duration(i+1)*time.Hour)), nil)
			var err error
			tl.view(t, func(r *ledger.Reader) { _, err = History(r, record) })
			if !errors.Is(err, ErrBrokenChain) {
				t.Fatalf("got %v, want %v", err, ErrBrokenChain)
			}
		})
	}
}

// flipLast changes the last hex digit of h.
func flipLast(h string) string {
	if h[len(h)-1] == '0' {
		return h[:len(h)-1] + "1"
	}
	return h[:len(h)-1] + "0"
}
