package records

import (
	"errors"
	"testing"

	"go.etcd.io/bbolt"

	"bastion/high-side/ledger"
	"bastion/shared/checkpoint"
	"bastion/shared/disclosure"
	"bastion/shared/entry"
	"bastion/shared/hybrid"
)

// signedHead signs the ledger's current size and root.
func signedHead(t *testing.T, tl *testLedger, s *hybrid.SoftwareSigner) []byte {
	t.Helper()
	size, root, err := tl.l.Head()
	if err != nil {
		t.Fatal(err)
	}
	nk, err := checkpoint.HybridKey("high-side", string(s.Public().Suite()), s.Public().Bytes())
	if err != nil {
		t.Fatal(err)
	}
	note, err := checkpoint.Sign(checkpoint.Checkpoint{Origin: checkpoint.OriginFor("test"), Size: size, Root: root}, nk, s)
	if err != nil {
		t.Fatal(err)
	}
	return note
}

func TestDiscloseThenShred(t *testing.T) {
	tl := newLedger(t)
	for i := range 6 {
		e, ops := payment(t, id("p", i), epoch)
		tl.add(t, e, ops)
	}
	s, err := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA65P256, nil)
	if err != nil {
		t.Fatal(err)
	}
	note := signedHead(t, tl, s)
	key := disclosure.Key{Name: "high-side", Public: s.Public()}
	req := Request{Index: 4, Field: entry.FieldTo, Issuer: "compliance-1", At: epoch}

	var b []byte
	tl.view(t, func(r *ledger.Reader) { b, err = Disclose(r, note, req, s) })
	if err != nil {
		t.Fatalf("Disclose: %v", err)
	}
	d, err := disclosure.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	res, err := disclosure.Verify(d, key)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if d.Value != "C-TO-p-4" || res.Entry.ID != "p-4" || res.Checkpoint.Size != 6 {
		t.Fatalf("got value %q entry %s size %d, want C-TO-p-4, p-4, 6", d.Value, res.Entry.ID, res.Checkpoint.Size)
	}

	// After shredding, the value cannot be disclosed, and the disclosure
	// issued before still verifies: the proofs did not change.
	if err := tl.db.Update(func(tx *bbolt.Tx) error { return Shred(tx, tl.l, []uint64{4}) }); err != nil {
		t.Fatal(err)
	}
	tl.view(t, func(r *ledger.Reader) { _, err = Disclose(r, note, req, s) })
	if !errors.Is(err, ErrShredded) {
		t.Fatalf("after shredding: got %v, want %v", err, ErrShredded)
	}
	if _, err := disclosure.Verify(d, key); err != nil {
		t.Fatalf("earlier disclosure after shredding: %v", err)
	}
}

func TestDiscloseRefuses(t *testing.T) {
	tl := newLedger(t)
	e, ops := order(t, "o-1", entry.OrderNew, epoch)
	tl.add(t, e, ops)
	s, _ := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA65P256, nil)
	note := signedHead(t, tl, s)
	e2, ops2 := order(t, "o-2", entry.OrderNew, epoch)
	tl.add(t, e2, ops2)
	tests := []struct {
		name string
		req  Request
		note []byte
		want error
	}{
		{"beyond the checkpoint", Request{Index: 1, Field: entry.FieldAccount}, note, nil},
		{"field not held", Request{Index: 0, Field: entry.FieldFrom}, note, ErrNoField},
		{"not a note", Request{Index: 0, Field: entry.FieldAccount}, []byte("x"), checkpoint.ErrMalformedNote},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			req := tt.req
			req.Issuer, req.At = "compliance-1", epoch
			tl.view(t, func(r *ledger.Reader) { _, err = Disclose(r, tt.note, req, s) })
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}
