// Package guardtest builds genuine signed batches for tests of the guard
// and of bastion-verify: an in-memory high side with a software hybrid
// signer, a Merkle ledger (golang.org/x/mod/sumdb/tlog) and the batch
// cutting rules of the exporter.
package guardtest

import (
	"fmt"

	"github.com/shopspring/decimal"
	"golang.org/x/mod/sumdb/tlog"

	"bastion/shared/batch"
	"bastion/shared/checkpoint"
	"bastion/shared/entry"
	"bastion/shared/hybrid"
	"bastion/shared/merkle"
)

// TB is what the builders need of a test: *testing.T and *testing.B
// satisfy it, and so can a program that builds batches outside a test
// (the guard benchmark).
type TB interface {
	Helper()
	Fatal(args ...any)
}

// KeyName is the name of the high side's key in tests.
const KeyName = "high-side"

// HighSide is an in-memory high side. It is not safe for concurrent use.
type HighSide struct {
	Link    string
	Signer  *hybrid.SoftwareSigner
	NoteKey checkpoint.Key

	entries  [][]byte
	hidden   map[uint64]bool // indexes sent as leaf hashes only
	stored   []tlog.Hash
	seq      uint64
	cut      uint64 // ledger size covered by the last batch
	lastNote []byte
}

// New returns a high side for link with a fresh ML-DSA-65 + P-256 key.
func New(t TB, link string) *HighSide {
	t.Helper()
	s, err := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA65P256, nil)
	if err != nil {
		t.Fatal(err)
	}
	nk, err := checkpoint.HybridKey(KeyName, string(hybrid.SuiteMLDSA65P256), s.Public().Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return &HighSide{Link: link, Signer: s, NoteKey: nk, hidden: map[uint64]bool{}}
}

// KeyText returns the published key file of the high side.
func (h *HighSide) KeyText() []byte { return hybrid.MarshalPublicKeyText(KeyName, h.Signer.Public()) }

// Append adds entries to the ledger, to be sent in full.
func (h *HighSide) Append(t TB, entries ...[]byte) {
	t.Helper()
	for _, e := range entries {
		hs, err := tlog.StoredHashes(int64(len(h.entries)), e, h)
		if err != nil {
			t.Fatal(err)
		}
		h.stored = append(h.stored, hs...)
		h.entries = append(h.entries, e)
	}
}

// AppendHidden adds entries to be sent as leaf hashes only, as the
// release filter does for entries above the release label.
func (h *HighSide) AppendHidden(t TB, entries ...[]byte) {
	t.Helper()
	for _, e := range entries {
		h.hidden[uint64(len(h.entries))] = true
		h.Append(t, e)
	}
}

// Size returns the ledger size.
func (h *HighSide) Size() uint64 { return uint64(len(h.entries)) }

// ReadHashes implements tlog.HashReader.
func (h *HighSide) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x < 0 || x >= int64(len(h.stored)) {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = h.stored[x]
	}
	return out, nil
}

// Root returns the root of the first n entries.
func (h *HighSide) Root(t TB, n uint64) merkle.Hash {
	t.Helper()
	if n == 0 {
		return merkle.EmptyRoot()
	}
	r, err := tlog.TreeHash(int64(n), h)
	if err != nil {
		t.Fatal(err)
	}
	return merkle.Hash(r)
}

// Note returns a signed checkpoint note of the first n entries.
func (h *HighSide) Note(t TB, n uint64) []byte {
	t.Helper()
	cp := checkpoint.Checkpoint{Origin: checkpoint.OriginFor(h.Link), Size: n, Root: h.Root(t, n)}
	note, err := checkpoint.Sign(cp, h.NoteKey, h.Signer)
	if err != nil {
		t.Fatal(err)
	}
	return note
}

// Batch returns the unsigned next batch: every entry since the last cut.
// Cut commits it as sent; call Sign for the bytes.
func (h *HighSide) Batch(t TB) *batch.Batch {
	t.Helper()
	first, end := h.cut, h.Size()
	b := &batch.Batch{Link: h.Link, Seq: h.seq + 1, First: first, Prev: h.lastNote,
		Checkpoint: h.Note(t, end), Proof: h.proof(t, first, end)}
	for i := first; i < end; i++ {
		if h.hidden[i] {
			b.Items = append(b.Items, batch.Item{Hash: merkle.LeafHash(h.entries[i])})
		} else {
			b.Items = append(b.Items, batch.Item{Entry: h.entries[i]})
		}
	}
	return b
}

// Next cuts, signs and commits the next batch and returns its seq and
// bytes.
func (h *HighSide) Next(t TB) (uint64, []byte) {
	t.Helper()
	b := h.Batch(t)
	raw := h.Sign(t, b)
	h.seq, h.cut, h.lastNote = b.Seq, b.End(), b.Checkpoint
	return b.Seq, raw
}

// Sign returns the signed encoding of b.
func (h *HighSide) Sign(t TB, b *batch.Batch) []byte {
	t.Helper()
	raw, err := b.Sign(h.Signer)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// proof returns the RFC 6962 consistency proof from size m to n.
func (h *HighSide) proof(t TB, m, n uint64) []merkle.Hash {
	t.Helper()
	if m == 0 || m == n {
		return nil
	}
	p, err := tlog.ProveTree(int64(n), int64(m), h)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]merkle.Hash, len(p))
	for i, x := range p {
		out[i] = merkle.Hash(x)
	}
	return out
}

// Order returns a valid order entry numbered i with the given label and
// trader note-free fields.
func Order(t TB, i int, label entry.Label) []byte {
	t.Helper()
	_, acct := entry.NewOpening("account", fmt.Sprintf("ACCT-%d", i))
	body, err := entry.NewBody(entry.Order{OrderID: fmt.Sprintf("o-%d", i), Event: entry.OrderNew,
		Symbol: "AAPL", Side: entry.Buy, Quantity: int64(100 + i%900),
		Price: decimal.RequireFromString("585.33"), Trader: "T1", Account: acct, Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	return encode(t, &entry.Envelope{Version: entry.Version, Type: entry.TypeOrder,
		ID: fmt.Sprintf("o-%d", i), Time: 1340285400004000000 + int64(i), Actor: "T1",
		Label: label, Body: body})
}

// Approval returns a valid approval entry whose free-text note is note.
func Approval(t TB, i int, note string) []byte {
	t.Helper()
	body, err := entry.NewBody(entry.Approval{Subject: fmt.Sprintf("o-%d", i), Action: "approve",
		Approver: "CRO", Note: note})
	if err != nil {
		t.Fatal(err)
	}
	return encode(t, &entry.Envelope{Version: entry.Version, Type: entry.TypeApproval,
		ID: fmt.Sprintf("a-%d", i), Time: 1340285400004000000 + int64(i), Actor: "CRO",
		Label: entry.NewLabel(entry.Internal), Body: body})
}

func encode(t TB, e *entry.Envelope) []byte {
	t.Helper()
	b, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Releasable is a label at the release label the tests configure.
var Releasable = entry.NewLabel(entry.Confidential, "trading")
