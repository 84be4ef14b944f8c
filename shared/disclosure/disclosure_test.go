package disclosure

import (
	"bytes"
	"errors"
	"testing"

	"bastion/shared/checkpoint"
	"bastion/shared/entry"
	"bastion/shared/hybrid"
	"bastion/shared/merkle"

	"github.com/shopspring/decimal"
)

const keyName = "high-side"

// fixture is a small signed ledger of order entries and a key.
type fixture struct {
	signer  *hybrid.SoftwareSigner
	entries [][]byte
	opens   []entry.Opening
	note    []byte
}

func newFixture(t testing.TB, n int) *fixture {
	t.Helper()
	s, err := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA65P256, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{signer: s}
	for i := range n {
		op, acct := entry.NewOpening(entry.FieldAccount, "ACCT-"+string(rune('A'+i)))
		body, _ := entry.NewBody(entry.Order{OrderID: "o", Event: entry.OrderNew, Symbol: "AAPL",
			Side: entry.Buy, Quantity: 1, Price: decimal.RequireFromString("1"), Trader: "T1",
			Account: acct, Source: "api"})
		e := entry.Envelope{Version: entry.Version, Type: entry.TypeOrder, ID: "o-" + string(rune('a'+i)),
			Time: int64(1e18) + int64(i), Actor: "T1", Label: entry.NewLabel(entry.Confidential), Body: body}
		b, err := e.Encode()
		if err != nil {
			t.Fatal(err)
		}
		f.entries, f.opens = append(f.entries, b), append(f.opens, op)
	}
	f.note = f.sign(t, s, checkpoint.OriginFor("test"))
	return f
}

func (f *fixture) sign(t testing.TB, s *hybrid.SoftwareSigner, origin string) []byte {
	t.Helper()
	nk, err := checkpoint.HybridKey(keyName, string(s.Public().Suite()), s.Public().Bytes())
	if err != nil {
		t.Fatal(err)
	}
	note, err := checkpoint.Sign(checkpoint.Checkpoint{Origin: origin, Size: uint64(len(f.entries)),
		Root: root(f.leaves())}, nk, s)
	if err != nil {
		t.Fatal(err)
	}
	return note
}

func (f *fixture) leaves() []merkle.Hash {
	out := make([]merkle.Hash, len(f.entries))
	for i, e := range f.entries {
		out[i] = merkle.LeafHash(e)
	}
	return out
}

// root and path compute RFC 6962 §2.1 roots and audit paths directly.
func root(l []merkle.Hash) merkle.Hash {
	if len(l) == 1 {
		return l[0]
	}
	k := split(len(l))
	return merkle.NodeHash(root(l[:k]), root(l[k:]))
}

func path(m int, l []merkle.Hash) []merkle.Hash {
	if len(l) == 1 {
		return nil
	}
	k := split(len(l))
	if m < k {
		return append(path(m, l[:k]), root(l[k:]))
	}
	return append(path(m-k, l[k:]), root(l[:k]))
}

func split(n int) int {
	k := 1
	for k*2 < n {
		k *= 2
	}
	return k
}

// statement returns the unsigned disclosure of entry i's account.
func (f *fixture) statement(i int) *Disclosure {
	return &Disclosure{Version: Version, Origin: checkpoint.OriginFor("test"), Index: uint64(i),
		Field: entry.FieldAccount, Value: f.opens[i].Value, Salt: f.opens[i].Salt, Entry: f.entries[i],
		Proof: path(i, f.leaves()), Checkpoint: string(f.note), Issuer: "compliance-1", Issued: 1e18}
}

func (f *fixture) key() Key { return Key{Name: keyName, Public: f.signer.Public()} }

func TestSignParseVerify(t *testing.T) {
	f := newFixture(t, 5)
	for i := range 5 {
		b, err := Sign(f.statement(i), f.signer)
		if err != nil {
			t.Fatal(err)
		}
		d, err := Parse(b)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		res, err := Verify(d, f.key())
		if err != nil {
			t.Fatalf("entry %d: Verify: %v", i, err)
		}
		if res.Checkpoint.Size != 5 || res.Entry.ID != f.statement(i).entryID(t) {
			t.Fatalf("got size %d id %s, want 5 and the entry's id", res.Checkpoint.Size, res.Entry.ID)
		}
	}
}

func (d *Disclosure) entryID(t *testing.T) string {
	e, err := entry.Parse(d.Entry)
	if err != nil {
		t.Fatal(err)
	}
	return e.ID
}

func TestVerifyRejects(t *testing.T) {
	f := newFixture(t, 3)
	other, _ := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA65P256, nil)
	tests := []struct {
		name   string
		change func(d *Disclosure)
		signer hybrid.Signer
		want   error
	}{
		{"wrong value", func(d *Disclosure) { d.Value = "ACCT-Z" }, f.signer, ErrWrongOpening},
		{"wrong salt", func(d *Disclosure) { d.Salt = make([]byte, entry.SaltSize) }, f.signer, ErrWrongOpening},
		{"other entry's opening", func(d *Disclosure) { d.Value, d.Salt = f.opens[1].Value, f.opens[1].Salt }, f.signer, ErrWrongOpening},
		{"field not committed", func(d *Disclosure) { d.Field = "symbol" }, f.signer, ErrWrongOpening},
		{"wrong index", func(d *Disclosure) { d.Index = 1 }, f.signer, ErrNotIncluded},
		{"index beyond size", func(d *Disclosure) { d.Index = 7 }, f.signer, ErrNotIncluded},
		{"short proof", func(d *Disclosure) { d.Proof = d.Proof[:1] }, f.signer, ErrNotIncluded},
		{"entry swapped", func(d *Disclosure) { d.Entry = f.entries[1] }, f.signer, ErrNotIncluded},
		{"origin differs", func(d *Disclosure) { d.Origin = checkpoint.OriginFor("other") }, f.signer, ErrBadCheckpoint},
		{"checkpoint by other key", func(d *Disclosure) { d.Checkpoint = string(f.sign(t, other, d.Origin)) }, f.signer, ErrBadCheckpoint},
		{"statement by other key", func(d *Disclosure) {}, other, ErrBadSignature},
		{"entry not canonical", func(d *Disclosure) { d.Entry = append([]byte(" "), d.Entry...) }, f.signer, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := f.statement(0)
			tt.change(d)
			if _, err := Sign(d, tt.signer); err != nil {
				t.Fatal(err)
			}
			_, err := Verify(d, f.key())
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSignatureCoversEveryField(t *testing.T) {
	f := newFixture(t, 2)
	d := f.statement(1)
	if _, err := Sign(d, f.signer); err != nil {
		t.Fatal(err)
	}
	d.Issuer = "someone-else"
	if _, err := Verify(d, f.key()); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("got %v, want %v", err, ErrBadSignature)
	}
}

func TestParseRejects(t *testing.T) {
	f := newFixture(t, 2)
	good, err := Sign(f.statement(0), f.signer)
	if err != nil {
		t.Fatal(err)
	}
	unsigned, _ := f.statement(0).Marshal()
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"not json", []byte("\xff")},
		{"leading space", append([]byte(" "), good...)},
		{"trailing data", append(bytes.Clone(good), "{}"...)},
		{"unsigned", unsigned},
		{"unknown field", bytes.Replace(good, []byte(`{"v":1,`), []byte(`{"v":1,"x":1,`), 1)},
		{"version 2", bytes.Replace(good, []byte(`{"v":1,`), []byte(`{"v":2,`), 1)},
		{"upper-case hash", bytes.ToUpper(good)},
		{"too large", make([]byte, MaxSize+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse(tt.in); !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want %v", err, ErrMalformed)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	fx := newFixture(f, 3)
	good, err := Sign(fx.statement(2), fx.signer)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte(`{"v":1,"origin":"x","index":0,"field":"account","value":"","salt":"","entry":"","proof":[],"checkpoint":"","issuer":"a","issued_ns":1,"sig":"AA=="}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Parse(b)
		if err != nil {
			return
		}
		again, err := d.Marshal()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs: %v\n got %q\nwant %q", err, again, b)
		}
		Verify(d, fx.key())
	})
}
