package entry

import (
	"errors"
	"strings"
	"testing"
)

func disposalEnvelope(t *testing.T, d Disposal) *Envelope {
	t.Helper()
	body, err := NewBody(d)
	if err != nil {
		t.Fatal(err)
	}
	return &Envelope{Version: Version, Type: TypeDisposal, ID: "disposal-1", Time: 1, Actor: "records",
		Label: NewLabel(Internal), Body: body}
}

func goodDisposal() Disposal {
	return Disposal{Class: "order-ticket", Rule: "order-ticket", Retain: "3y", Schedule: strings.Repeat("ab", 32),
		Cutoff: 5, Indexes: []uint64{1, 4}, Fields: []string{"account"}, Job: "disposal-job"}
}

func TestDisposalValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(d *Disposal)
		ok     bool
	}{
		{"good", func(*Disposal) {}, true},
		{"unsorted", func(d *Disposal) { d.Indexes = []uint64{4, 1} }, false},
		{"duplicate", func(d *Disposal) { d.Indexes = []uint64{4, 4} }, false},
		{"none", func(d *Disposal) { d.Indexes = nil }, false},
		{"too many", func(d *Disposal) { d.Indexes = make([]uint64, MaxDisposalIndexes+1) }, false},
		{"upper-case digest", func(d *Disposal) { d.Schedule = strings.Repeat("AB", 32) }, false},
		{"no fields", func(d *Disposal) { d.Fields = nil }, false},
		{"bad class", func(d *Disposal) { d.Class = "Order Ticket" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := goodDisposal()
			tt.change(&d)
			b, err := disposalEnvelope(t, d).Encode()
			if (err == nil) != tt.ok {
				t.Fatalf("got %v, want ok %v", err, tt.ok)
			}
			if err == nil {
				if _, err := Parse(b); err != nil {
					t.Fatalf("Parse: %v", err)
				}
			}
		})
	}
}

func TestAmendmentAndCommitment(t *testing.T) {
	orig := sampleOrder(t)
	leaf := strings.Repeat("0f", 32)
	a := Amendment{Record: 3, Prev: 3, PrevLeaf: leaf, Version: 2, RecordType: TypeOrder,
		Body: orig.Body, Reason: "quantity corrected"}
	body, err := NewBody(a)
	if err != nil {
		t.Fatal(err)
	}
	e := &Envelope{Version: Version, Type: TypeAmendment, ID: "amend-1", Time: 2, Actor: "ops",
		Label: NewLabel(Confidential, "trading"), Body: body}
	b, err := e.Encode()
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	got, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	c1, err1 := got.Commitment(FieldAccount)
	c2, err2 := orig.Commitment(FieldAccount)
	if err1 != nil || err2 != nil || c1 != c2 || !IsCommitment(c1) {
		t.Fatalf("commitments %q (%v) and %q (%v), want the same commitment", c1, err1, c2, err2)
	}
	if _, err := orig.Commitment(FieldFrom); !errors.Is(err, ErrNoSuchField) {
		t.Fatalf("order field from: got %v, want %v", err, ErrNoSuchField)
	}

	bad := []struct {
		name   string
		change func(a *Amendment)
	}{
		{"version 1", func(a *Amendment) { a.Version = 1 }},
		{"version 2 of another index", func(a *Amendment) { a.Prev = 4 }},
		{"prev before record", func(a *Amendment) { a.Version, a.Prev = 3, 2 }},
		{"amends a disposal", func(a *Amendment) { a.RecordType = TypeDisposal }},
		{"body of another type", func(a *Amendment) { a.RecordType = TypePayment }},
		{"no reason", func(a *Amendment) { a.Reason = "" }},
		{"short leaf", func(a *Amendment) { a.PrevLeaf = leaf[:62] }},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			c := a
			tt.change(&c)
			if err := ValidateAmendment(c); err == nil {
				t.Fatal("got no error")
			}
		})
	}
}
