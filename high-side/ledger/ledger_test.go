package ledger

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.etcd.io/bbolt"

	"bastion/shared/merkle"
)

func TestAppendAndRead(t *testing.T) {
	l, _, _ := openTemp(t, false)
	recs := records(0, 10)
	recs[4].Openings = nil
	idx := appendTx(t, l, recs[:6])
	idx = append(idx, appendTx(t, l, recs[6:])...)
	if want := []uint64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}; !cmp.Equal(idx, want) {
		t.Fatalf("indexes = %v, want %v", idx, want)
	}
	if size, err := l.Size(); err != nil || size != 10 {
		t.Fatalf("Size = %d, %v; want 10", size, err)
	}
	for i, r := range recs {
		e, err := l.Entry(uint64(i))
		if err != nil || !bytes.Equal(e, r.Entry) {
			t.Fatalf("Entry(%d) = %q, %v; want %q", i, e, err, r.Entry)
		}
		o, err := l.Openings(uint64(i))
		if err != nil || !bytes.Equal(o, r.Openings) {
			t.Fatalf("Openings(%d) = %q, %v; want %q", i, o, err, r.Openings)
		}
		h, err := l.LeafHash(uint64(i))
		if want := merkle.LeafHash(r.Entry); err != nil || h != want {
			t.Fatalf("LeafHash(%d) = %s, %v; want %s", i, h, err, want)
		}
		got, ok, err := l.Lookup(r.ID)
		if err != nil || !ok || got != uint64(i) {
			t.Fatalf("Lookup(%q) = %d, %v, %v; want %d", r.ID, got, ok, err, i)
		}
	}
	if _, ok, err := l.Lookup("missing"); ok || err != nil {
		t.Fatalf("Lookup(missing) = %v, %v; want not found", ok, err)
	}
}

func TestIdempotency(t *testing.T) {
	l, _, _ := openTemp(t, false)
	appendTx(t, l, records(0, 3))
	again := []Record{record(7), record(1), record(7), record(8), record(0)}
	again[1].Entry = []byte("a different entry under an existing id")
	idx := appendTx(t, l, again)
	if want := []uint64{3, 1, 3, 4, 0}; !cmp.Equal(idx, want) {
		t.Fatalf("indexes = %v, want %v", idx, want)
	}
	if size, _ := l.Size(); size != 5 {
		t.Fatalf("Size = %d, want 5", size)
	}
	if e, _ := l.Entry(1); !bytes.Equal(e, record(1).Entry) {
		t.Fatalf("Entry(1) = %q, want the original %q", e, record(1).Entry)
	}
}

func TestAppendRejects(t *testing.T) {
	tests := []struct {
		name string
		rec  Record
		want string
	}{
		{"empty entry", Record{ID: "a"}, "record 1: entry of 0 bytes"},
		{"entry too large", Record{ID: "a", Entry: make([]byte, MaxEntrySize+1)}, "entry of 65537 bytes"},
		{"openings too large", Record{ID: "a", Entry: []byte("e"), Openings: make([]byte, MaxOpeningsSize+1)}, "openings of 65537 bytes"},
		{"empty id", Record{Entry: []byte("e")}, "id must be"},
		{"long id", Record{ID: strings.Repeat("x", MaxIDLen+1), Entry: []byte("e")}, "id must be"},
		{"id not utf-8", Record{ID: "\xff", Entry: []byte("e")}, "id must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, db, _ := openTemp(t, false)
			appendTx(t, l, records(0, 2))
			root, _ := l.Root(2)
			err := db.Update(func(tx *bbolt.Tx) error {
				_, err := l.Append(tx, []Record{record(5), tt.rec})
				return err
			})
			if !errors.Is(err, ErrInvalidRecord) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Append = %v, want ErrInvalidRecord mentioning %q", err, tt.want)
			}
			size, head, _ := l.Head()
			if size != 2 || head != root {
				t.Fatalf("after a rejected append: size %d root %s, want 2 %s", size, head, root)
			}
			if _, ok, _ := l.Lookup(record(5).ID); ok {
				t.Fatal("the valid record before the bad one was appended")
			}
		})
	}
}

func TestAppendNeedsWriteTx(t *testing.T) {
	l, db, _ := openTemp(t, false)
	err := db.View(func(tx *bbolt.Tx) error {
		_, err := l.Append(tx, records(0, 1))
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("Append in a read transaction = %v, want a read-only error", err)
	}
	other, otherDB, _ := openTemp(t, false)
	_ = other
	err = otherDB.Update(func(tx *bbolt.Tx) error {
		_, err := l.Append(tx, records(0, 1))
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "another database") {
		t.Fatalf("Append in another database's transaction = %v, want an error", err)
	}
}

// TestRollback appends inside a transaction that is then rolled back: the
// ledger is unchanged, and the next append builds the right tree.
func TestRollback(t *testing.T) {
	l, db, _ := openTemp(t, false)
	appendTx(t, l, records(0, 5))
	boom := errors.New("later step of the state machine failed")
	err := db.Update(func(tx *bbolt.Tx) error {
		if _, err := l.Append(tx, []Record{{ID: "x", Entry: []byte("rolled back")}}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want %v", err, boom)
	}
	if _, ok, _ := l.Lookup("x"); ok {
		t.Fatal("rolled-back record is visible")
	}
	appendTx(t, l, records(5, 9))
	var want merkle.Compact
	for _, r := range records(0, 9) {
		want.Append(merkle.LeafHash(r.Entry))
	}
	if got, err := l.Root(9); err != nil || got != want.Root() {
		t.Fatalf("Root(9) = %s, %v; want %s", got, err, want.Root())
	}
}

// TestReaderInWriteTx checks that a Reader inside the state machine's write
// transaction sees what was appended in it, for signing a checkpoint.
func TestReaderInWriteTx(t *testing.T) {
	l, db, _ := openTemp(t, false)
	err := db.Update(func(tx *bbolt.Tx) error {
		if _, err := l.Append(tx, records(0, 3)); err != nil {
			return err
		}
		r, err := l.Reader(tx)
		if err != nil {
			return err
		}
		size, root, err := r.Head()
		if err != nil {
			return err
		}
		var want merkle.Compact
		for _, rec := range records(0, 3) {
			want.Append(merkle.LeafHash(rec.Entry))
		}
		if size != 3 || root != want.Root() {
			t.Errorf("Head in write tx = %d %s, want 3 %s", size, root, want.Root())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestReopen is REPLAY L7: one entry, close, reopen: it is there.
func TestReopen(t *testing.T) {
	l, db, path := openTemp(t, true)
	appendTx(t, l, records(0, 1))
	root, _ := l.Root(1)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	l2, err := Open(db2)
	if err != nil {
		t.Fatal(err)
	}
	size, got, err := l2.Head()
	if err != nil || size != 1 || got != root {
		t.Fatalf("after reopen: size %d root %s (%v), want 1 %s", size, got, err, root)
	}
	if e, err := l2.Entry(0); err != nil || !bytes.Equal(e, record(0).Entry) {
		t.Fatalf("Entry(0) after reopen = %q, %v", e, err)
	}
	if idx := appendTx(t, l2, []Record{record(0), record(1)}); !cmp.Equal(idx, []uint64{0, 1}) {
		t.Fatalf("indexes after reopen = %v, want [0 1]", idx)
	}
}

// TestDeterminism feeds two databases the same records, one in Raft-sized
// batches and one in odd splits: their trees are identical at every size.
func TestDeterminism(t *testing.T) {
	a, _, _ := openTemp(t, false)
	b, _, _ := openTemp(t, false)
	all := records(0, 1500)
	all = append(all, record(3), record(1499)) // duplicates, no-ops
	for from := 0; from < len(all); from += 500 {
		appendTx(t, a, all[from:min(from+500, len(all))])
	}
	for from, step := 0, 1; from < len(all); from, step = from+step, step*2+1 {
		appendTx(t, b, all[from:min(from+step, len(all))])
	}
	sa, _ := a.Size()
	sb, _ := b.Size()
	if sa != 1500 || sb != 1500 {
		t.Fatalf("sizes %d and %d, want 1500", sa, sb)
	}
	for _, n := range []uint64{0, 1, 2, 255, 256, 257, 1000, 1500} {
		ra, errA := a.Root(n)
		rb, errB := b.Root(n)
		if errA != nil || errB != nil || ra != rb {
			t.Fatalf("Root(%d): %s (%v) vs %s (%v)", n, ra, errA, rb, errB)
		}
	}
}

func TestRangeMatchesEntryAndLeafHash(t *testing.T) {
	l, _, _ := openTemp(t, false)
	fill(t, l, 300, 64)
	var seen []uint64
	err := l.Range(10, 270, func(i uint64, e []byte, h merkle.Hash) error {
		want, err := l.Entry(i)
		if err != nil {
			return err
		}
		wantH, err := l.LeafHash(i)
		if err != nil {
			return err
		}
		if string(e) != string(want) || h != wantH {
			t.Errorf("Range at %d: entry or leaf hash differs from Entry/LeafHash", i)
		}
		seen = append(seen, i)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 260 || seen[0] != 10 || seen[259] != 269 {
		t.Errorf("Range visited %d indexes (%v...), want 10..269", len(seen), seen[:min(3, len(seen))])
	}
	if err := l.Range(0, 301, func(uint64, []byte, merkle.Hash) error { return nil }); !errors.Is(err, ErrBeyondSize) {
		t.Errorf("Range beyond the size: %v, want ErrBeyondSize", err)
	}
}
