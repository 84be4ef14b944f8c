package archive

import (
	"errors"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"bastion/guard/export"
	"bastion/shared/merkle"
)

// appendN appends n one-leaf records with seq 1..n.
func appendN(t *testing.T, a *Archive, tree *merkle.Compact, from, n uint64) {
	t.Helper()
	for seq := from; seq < from+n; seq++ {
		first := tree.Size()
		tree.Append(merkle.LeafHash([]byte{byte(seq)}))
		r := &Record{Seq: seq, Kind: KindBatch, First: first, Size: tree.Size(),
			File: []byte{byte(seq), 1, 2}, Checkpoint: []byte("cp")}
		if _, err := a.Append(r, tree.Clone()); err != nil {
			t.Fatalf("Append(%d): %v", seq, err)
		}
	}
}

func TestAppendReopenVerify(t *testing.T) {
	path := filepath.Join(t.TempDir(), "archive.db")
	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	tree := &merkle.Compact{}
	appendN(t, a, tree, 1, 3)

	bad := []struct {
		name string
		r    Record
		want error
	}{
		{"same seq", Record{Seq: 3, Kind: KindBatch, First: 3, Size: 3}, ErrExists},
		{"seq goes back", Record{Seq: 2, Kind: KindBatch, First: 3, Size: 3}, ErrExists},
		{"hole in ledger", Record{Seq: 4, Kind: KindBatch, First: 4, Size: 4}, ErrOutOfOrder},
		{"tree size differs", Record{Seq: 4, Kind: KindBatch, First: 3, Size: 5}, ErrOutOfOrder},
		{"unknown kind", Record{Seq: 4, Kind: 9, First: 3, Size: 3}, ErrOutOfOrder},
	}
	for _, tt := range bad {
		if _, err := a.Append(&tt.r, tree.Clone()); !errors.Is(err, tt.want) {
			t.Errorf("%s: Append = %v, want %v", tt.name, err, tt.want)
		}
	}
	a.Close()

	a, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	h, got, err := a.Head()
	if err != nil || h.Records != 3 || h.Seq != 3 || h.Size != 3 || got.Root() != tree.Root() {
		t.Fatalf("reopened head %+v, %v; want 3 records, seq 3, size 3", h, err)
	}
	appendN(t, a, tree, 4, 1)
	if h, err := a.VerifyChain(nil); err != nil || h.Records != 4 {
		t.Fatalf("VerifyChain = %+v, %v; want 4 records, nil", h, err)
	}
	a.Close()

	// Change one stored byte behind the archive's back.
	db, _ := bolt.Open(path, 0o600, nil)
	db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRecords)
		v := append([]byte(nil), b.Get(seqKey(2))...)
		v[len(v)-1] ^= 1
		return b.Put(seqKey(2), v)
	})
	db.Close()
	a, _ = Open(path)
	defer a.Close()
	if _, err := a.VerifyChain(nil); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("VerifyChain after tampering = %v, want ErrCorrupt", err)
	}
}

func TestRejections(t *testing.T) {
	a, err := Open(filepath.Join(t.TempDir(), "archive.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.AddRejection(Rejection{BatchSeq: 5, Stage: "signature", Reason: "bad"})
	a.AddRejection(Rejection{BatchSeq: 6, Stage: "leaves", Reason: "root"})
	got, err := a.Rejections()
	if err != nil || len(got) != 2 || got[0].BatchSeq != 5 || got[1].Stage != "leaves" {
		t.Fatalf("Rejections = %+v, %v", got, err)
	}
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(encodeRecord(&Record{Seq: 1, Kind: KindBatch, First: 2, Size: 3, File: []byte("f"),
		Checkpoint: []byte("c"), Chain: export.GenesisChain()}))
	f.Add(make([]byte, 57))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeRecord(1, b)
		if err != nil {
			return
		}
		if again := encodeRecord(r); string(again) != string(b) {
			t.Fatalf("round trip changed the record")
		}
	})
}

// group returns n one-leaf records with seq from..from+n-1 after tree,
// each with its own tree, and advances tree past them.
func group(tree *merkle.Compact, from, n uint64) ([]*Record, []*merkle.Compact) {
	var rs []*Record
	var ts []*merkle.Compact
	for seq := from; seq < from+n; seq++ {
		first := tree.Size()
		tree.Append(merkle.LeafHash([]byte{byte(seq)}))
		rs = append(rs, &Record{Seq: seq, Kind: KindBatch, First: first, Size: tree.Size(),
			File: []byte{byte(seq)}, Checkpoint: []byte("cp")})
		ts = append(ts, tree.Clone())
	}
	return rs, ts
}

func TestAppendAll(t *testing.T) {
	a, err := Open(filepath.Join(t.TempDir(), "archive.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	tree := &merkle.Compact{}
	rs, ts := group(tree, 1, 3)
	heads, err := a.AppendAll(rs, ts)
	if err != nil {
		t.Fatalf("AppendAll: %v", err)
	}
	for i, h := range heads {
		if h.Seq != uint64(i+1) || h.Records != uint64(i+1) || h.Chain != rs[i].Chain {
			t.Errorf("head %d = seq %d, %d records; want seq %d, %d records, chain of record %d",
				i, h.Seq, h.Records, i+1, i+1, i+1)
		}
	}

	// A group with a record at fault stores none of its records.
	before := tree.Clone()
	rs, ts = group(tree, 4, 3)
	rs[1].First++
	if _, err := a.AppendAll(rs, ts); !errors.Is(err, ErrOutOfOrder) {
		t.Fatalf("AppendAll with a hole = %v, want ErrOutOfOrder", err)
	}
	h, got, err := a.Head()
	if err != nil || h.Records != 3 || h.Seq != 3 || got.Root() != before.Root() {
		t.Fatalf("head after a refused group = %+v, %v; want 3 records, seq 3, unchanged root", h, err)
	}
	if _, err := a.VerifyChain(nil); err != nil {
		t.Fatalf("VerifyChain: %v", err)
	}
}
