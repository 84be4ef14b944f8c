package batch

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"bastion/shared/checkpoint"
	"bastion/shared/entry"
	"bastion/shared/hybrid"
	"bastion/shared/merkle"
)

func TestSignVerifyRoundTrip(t *testing.T) {
	l := newLedger(t, "link-1", 300)
	tests := []struct {
		name        string
		seq, first  uint64
		end         uint64
		hidden      []uint64
		wantProof   bool
		wantPrevNil bool
	}{
		{"first batch", 1, 0, 10, []uint64{3}, false, true},
		{"across 256", 2, 250, 260, []uint64{255, 256}, true, false},
		{"empty batch", 3, 260, 260, nil, false, false},
		{"all hidden", 4, 260, 263, []uint64{260, 261, 262}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := l.batch(t, tt.seq, tt.first, tt.end, tt.hidden...)
			raw, err := b.Sign(l.key)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			got, err := Verify(raw, Limits{}, l.key)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			for i := range b.Items { // Parse fills the hash of full items
				b.Items[i].Hash = merkle.LeafHash(l.entries[tt.first+uint64(i)])
			}
			if diff := cmp.Diff(b, got); diff != "" {
				t.Fatalf("decoded batch differs (-want +got):\n%s", diff)
			}
			if (len(got.Proof) > 0) != tt.wantProof || (got.Prev == nil) != tt.wantPrevNil {
				t.Fatalf("proof %d hashes, prev nil %v", len(got.Proof), got.Prev == nil)
			}
			again, err := got.Marshal()
			if err != nil || !bytes.Equal(again, raw) {
				t.Fatalf("Marshal after Verify differs from the signed bytes (err %v)", err)
			}
		})
	}
}

// TestReceiverRecomputesRoot plays the guard: from the root it holds and the
// leaf hashes it received, including hidden entries, it recomputes the new
// root and checks the consistency proof (architecture invariant 3).
func TestReceiverRecomputesRoot(t *testing.T) {
	l := newLedger(t, "link-1", 600)
	var state merkle.Compact
	var prevRoot merkle.Hash = merkle.EmptyRoot()
	bounds := []uint64{0, 1, 255, 256, 257, 511, 512, 513, 600}
	for i := 1; i < len(bounds); i++ {
		first, end := bounds[i-1], bounds[i]
		raw, err := l.batch(t, uint64(i), first, end, first, end-1).Sign(l.key)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Verify(raw, Limits{}, l.key)
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		c, err := checkpoint.Open(b.Checkpoint, l.key.key, l.key)
		if err != nil {
			t.Fatalf("batch %d checkpoint: %v", i, err)
		}
		if state.Size() != b.First {
			t.Fatalf("batch %d starts at %d, receiver holds %d", i, b.First, state.Size())
		}
		for _, h := range b.LeafHashes() {
			state.Append(h)
		}
		if got := state.Root(); got != c.Root {
			t.Fatalf("batch %d: recomputed root %s, checkpoint says %s", i, got, c.Root)
		}
		if err := merkle.VerifyConsistency(b.First, b.End(), prevRoot, c.Root, b.Proof); err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		prevRoot = c.Root
	}
}

func TestVerifyRejectsSignature(t *testing.T) {
	l := newLedger(t, "link-1", 20)
	raw, err := l.batch(t, 1, 0, 20).Sign(l.key)
	if err != nil {
		t.Fatal(err)
	}
	other := newEdKey(t, "other")
	if _, err := Verify(raw, Limits{}, other); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("Verify with another key = %v, want ErrBadSignature", err)
	}
	tampered := bytes.Clone(raw)
	tampered[len(Magic)+3] ^= 1 // inside the link name
	if _, err := Verify(tampered, Limits{}, l.key); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("Verify of a tampered batch = %v, want ErrBadSignature", err)
	}
	// A checkpoint signature is not a batch signature.
	body := raw[:len(raw)-4-len(mustParse(t, raw).Signature)]
	sig, _ := l.key.Sign(body, []byte(checkpoint.Context))
	if _, err := Verify(appendTrailer(bytes.Clone(body), sig), Limits{}, l.key); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("Verify with a checkpoint-context signature = %v, want ErrBadSignature", err)
	}
}

func mustParse(t *testing.T, raw []byte) *Batch {
	t.Helper()
	b, err := Parse(raw, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHybridSignVerify(t *testing.T) {
	s, err := hybrid.NewSoftwareSigner(hybrid.SuiteMLDSA65P256, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	l := newLedger(t, "link-1", 5)
	raw, err := l.batch(t, 1, 0, 5, 2).Sign(s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(raw, Limits{}, s.Public()); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	raw[10] ^= 1
	if _, err := Verify(raw, Limits{}, s.Public()); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("Verify of a tampered batch = %v, want ErrBadSignature", err)
	}
}

func TestSignRejectsInvalid(t *testing.T) {
	l := newLedger(t, "link-1", 10)
	other := newLedger(t, "link-2", 10)
	big := make([]byte, entry.MaxSize+1)
	tests := []struct {
		name   string
		mutate func(b *Batch)
		want   string
	}{
		{"bad link", func(b *Batch) { b.Link = "a/b" }, "link: invalid name"},
		{"seq 0", func(b *Batch) { b.Seq = 0 }, "seq: 0"},
		{"missing prev", func(b *Batch) { b.Prev = nil }, "prev: missing"},
		{"prev of wrong size", func(b *Batch) { b.Prev = l.note(t, 4) }, "prev: covers 4 entries, want 5"},
		{"checkpoint of wrong size", func(b *Batch) { b.Checkpoint = l.note(t, 9) }, "checkpoint: covers 9 entries, want 10"},
		{"checkpoint of other link", func(b *Batch) { b.Checkpoint = other.note(t, 10) }, `checkpoint: origin "bastion.example/ledger/link-2"`},
		{"unsigned checkpoint", func(b *Batch) { b.Checkpoint = b.Checkpoint[:bytes.Index(b.Checkpoint, []byte("\n\n"))+2] }, "checkpoint: malformed note"},
		{"empty entry", func(b *Batch) { b.Items[3].Entry = []byte{} }, "item 3 (ledger index 8): empty entry"},
		{"entry too large", func(b *Batch) { b.Items[3].Entry = big }, "item 3 (ledger index 8): entry length 65537 exceeds 65536"},
		{"too many proof hashes", func(b *Batch) { b.Proof = make([]merkle.Hash, MaxProof+1) }, "proof: 129 hashes"},
		{"overflow", func(b *Batch) { b.First = checkpoint.MaxSize }, "overflows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := l.batch(t, 2, 5, 10)
			tt.mutate(b)
			_, err := b.Sign(l.key)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Sign = %v, want malformed batch mentioning %q", err, tt.want)
			}
		})
	}
}

// encodeRaw signs a batch without validating it, to build bad input.
func encodeRaw(t *testing.T, b *Batch, k *edKey) []byte {
	t.Helper()
	body := b.appendBody(nil)
	sig, err := k.Sign(body, []byte(Context))
	if err != nil {
		t.Fatal(err)
	}
	return appendTrailer(body, sig)
}

func TestParseRejects(t *testing.T) {
	l := newLedger(t, "link-1", 10)
	good, err := l.batch(t, 2, 5, 10, 6).Sign(l.key)
	if err != nil {
		t.Fatal(err)
	}
	sigLen := len(mustParse(t, good).Signature)
	body := good[:len(good)-4-sigLen]
	withBody := func(f func(b []byte) []byte) []byte {
		return appendTrailer(f(bytes.Clone(body)), make([]byte, sigLen))
	}
	// Items 5, 7, 8, 9 are full and item 6 is a hash: find where item 0 starts.
	firstItem := len(body) - 4*(1+4+len(l.entries[5])) - (1 + 32)
	tests := []struct {
		name   string
		raw    []byte
		limits Limits
		want   string
	}{
		{"empty", nil, Limits{}, "too short for a signature trailer"},
		{"zero signature length", []byte{0, 0, 0, 0}, Limits{}, "signature length 0"},
		{"huge signature length", []byte{0xff, 0xff, 0xff, 0xff}, Limits{}, "signature length 4294967295"},
		{"signature longer than input", []byte{1, 0, 0, 0, 9}, Limits{}, "exceeds the 1 bytes"},
		{"over size limit", good, Limits{MaxSize: len(good) - 1}, "exceeds"},
		{"bad magic", withBody(func(b []byte) []byte { b[0] = 'X'; return b }), Limits{}, "magic"},
		{"version 2", withBody(func(b []byte) []byte { b[4] = 2; return b }), Limits{}, "unsupported version 2"},
		{"link length past end", withBody(func(b []byte) []byte { return b[:5] }), Limits{}, "link length: need 1 bytes"},
		{"truncated header", withBody(func(b []byte) []byte { return b[:20] }), Limits{}, "need"},
		{"trailing bytes", withBody(func(b []byte) []byte { return append(b, 0) }), Limits{}, "after the last item"},
		{"too many items for limit", good, Limits{MaxItems: 4}, "count: 5 items exceed 4"},
		{"count beyond input", withBody(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[len(Magic)+2+len("link-1")+16:], 1<<16)
			return b
		}), Limits{}, "65536 items cannot fit"},
		{"unknown kind", withBody(func(b []byte) []byte { b[firstItem] = 9; return b }), Limits{}, "item 0 (ledger index 5): unknown kind 9"},
		{"entry too large", withBody(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[firstItem+1:], 70000)
			return b
		}), Limits{}, "item 0 (ledger index 5): entry length 70000 exceeds 65536"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.raw, tt.limits)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse = %v, want malformed batch mentioning %q", err, tt.want)
			}
		})
	}
}

func TestParseSemanticRejects(t *testing.T) {
	l := newLedger(t, "link-1", 10)
	tests := []struct {
		name   string
		mutate func(b *Batch)
		want   string
	}{
		{"prev when first is 0", func(b *Batch) { b.First, b.Proof, b.Prev = 0, nil, l.note(t, 5) }, "prev: must be empty"},
		{"proof from size 0", func(b *Batch) {
			*b = *l.batch(t, 2, 0, 10)
			b.Proof = []merkle.Hash{{1}}
		}, "proof: must be empty from size 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := l.batch(t, 2, 5, 10)
			tt.mutate(b)
			_, err := Parse(encodeRaw(t, b, l.key), Limits{})
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse = %v, want malformed batch mentioning %q", err, tt.want)
			}
		})
	}
}

// TestParseEveryTruncation cuts a valid batch at every length: each prefix
// is rejected with ErrMalformed, none panics.
func TestParseEveryTruncation(t *testing.T) {
	l := newLedger(t, "link-1", 8)
	good, err := l.batch(t, 2, 3, 8, 4).Sign(l.key)
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(good) {
		if _, err := Parse(good[:n], Limits{}); !errors.Is(err, ErrMalformed) {
			t.Fatalf("Parse(first %d of %d bytes) = %v, want ErrMalformed", n, len(good), err)
		}
	}
}

func TestParseDoesNotAlias(t *testing.T) {
	l := newLedger(t, "link-1", 3)
	raw, err := l.batch(t, 1, 0, 3).Sign(l.key)
	if err != nil {
		t.Fatal(err)
	}
	b := mustParse(t, raw)
	want := bytes.Clone(b.Items[0].Entry)
	for i := range raw {
		raw[i] = 0
	}
	if !bytes.Equal(b.Items[0].Entry, want) {
		t.Fatal("parsed entry changed when the input buffer was overwritten")
	}
}

func FuzzParse(f *testing.F) {
	l := newLedger(f, "link-1", 12)
	for _, r := range [][3]uint64{{1, 0, 3}, {2, 3, 12}, {3, 12, 12}} {
		raw, err := l.batch(f, r[0], r[1], r[2], r[1]).Sign(l.key)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte("BSTB\x01\x00\x00\x00\x01"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		b, err := Parse(raw, Limits{})
		if err != nil {
			return
		}
		again, err := b.Marshal()
		if err != nil {
			t.Fatalf("Marshal of an accepted batch: %v", err)
		}
		if !bytes.Equal(again, raw) {
			t.Fatalf("re-encoding differs from the accepted input")
		}
		if got := len(b.LeafHashes()); got != len(b.Items) {
			t.Fatalf("LeafHashes returned %d hashes for %d items", got, len(b.Items))
		}
	})
}
