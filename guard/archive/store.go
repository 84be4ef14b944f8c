package archive

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"bastion/guard/export"
	"bastion/shared/merkle"
)

// Head returns the archive's head and a copy of its compact range.
func (a *Archive) Head() (Head, *merkle.Compact, error) {
	var h Head
	tree := &merkle.Compact{}
	err := a.db.View(func(tx *bolt.Tx) error {
		var err error
		h, err = readHead(tx)
		if err != nil {
			return err
		}
		if b := tx.Bucket(bucketMeta).Get(keyTree); b != nil {
			if err := tree.UnmarshalBinary(b); err != nil {
				return fmt.Errorf("%w: tree: %v", ErrCorrupt, err)
			}
		}
		return nil
	})
	return h, tree, err
}

// Append stores r as the next record together with tree, the compact range
// after r's leaves, in one transaction. It sets r.Chain, checks that r
// continues the archive and commits (fsync) before returning. It returns
// ErrExists, ErrOutOfOrder or a storage error; on error nothing changed.
func (a *Archive) Append(r *Record, tree *merkle.Compact) (Head, error) {
	heads, err := a.AppendAll([]*Record{r}, []*merkle.Compact{tree})
	if err != nil {
		return Head{}, err
	}
	return heads[0], nil
}

// AppendAll stores rs in order as the next records, each with its compact
// range trees[i], in one transaction with one commit (group commit: one
// set of fsyncs for the whole group). It sets every r.Chain and returns
// the head after each record. It returns ErrExists, ErrOutOfOrder or a
// storage error; on error nothing changed, not even the records before
// the one at fault.
func (a *Archive) AppendAll(rs []*Record, trees []*merkle.Compact) ([]Head, error) {
	if len(rs) != len(trees) {
		return nil, fmt.Errorf("failed to append to archive: %d records, %d trees", len(rs), len(trees))
	}
	if len(rs) == 0 {
		return nil, nil
	}
	heads := make([]Head, len(rs))
	err := a.db.Update(func(tx *bolt.Tx) error {
		h, err := readHead(tx)
		if err != nil {
			return err
		}
		for i, r := range rs {
			if h, err = appendRecord(tx, h, r, trees[i]); err != nil {
				return err
			}
			heads[i] = h
		}
		t, _ := trees[len(trees)-1].MarshalBinary()
		meta := tx.Bucket(bucketMeta)
		if err := meta.Put(keyTree, t); err != nil {
			return err
		}
		return meta.Put(keyHead, encodeHead(h))
	})
	if err != nil {
		return nil, fmt.Errorf("failed to append to archive: %w", err)
	}
	return heads, nil
}

// appendRecord puts r after head h in tx and returns the new head.
func appendRecord(tx *bolt.Tx, h Head, r *Record, tree *merkle.Compact) (Head, error) {
	recs := tx.Bucket(bucketRecords)
	if recs.Get(seqKey(r.Seq)) != nil {
		return h, fmt.Errorf("%w: seq %d", ErrExists, r.Seq)
	}
	if err := continues(h, r, tree); err != nil {
		return h, err
	}
	r.Chain = export.NextChain(h.Chain, r.Seq, r.File, r.Checkpoint)
	if err := recs.Put(seqKey(r.Seq), encodeRecord(r)); err != nil {
		return h, err
	}
	return Head{Records: h.Records + 1, Seq: r.Seq, Chain: r.Chain, Size: r.Size,
		Root: tree.Root(), Checkpoint: r.Checkpoint}, nil
}

// continues checks that r and tree extend head.
func continues(h Head, r *Record, tree *merkle.Compact) error {
	switch {
	case h.Records > 0 && r.Seq <= h.Seq:
		return fmt.Errorf("%w: seq %d after %d", ErrOutOfOrder, r.Seq, h.Seq)
	case r.First != h.Size:
		return fmt.Errorf("%w: first index %d, archive size %d", ErrOutOfOrder, r.First, h.Size)
	case r.Size < r.First || tree.Size() != r.Size:
		return fmt.Errorf("%w: record size %d, tree size %d", ErrOutOfOrder, r.Size, tree.Size())
	case r.Kind != KindBatch && r.Kind != KindWithheld:
		return fmt.Errorf("%w: unknown kind %d", ErrOutOfOrder, r.Kind)
	}
	return nil
}

// Get returns the record of seq, or false if there is none.
func (a *Archive) Get(seq uint64) (*Record, bool, error) {
	var r *Record
	err := a.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRecords).Get(seqKey(seq))
		if b == nil {
			return nil
		}
		var err error
		r, err = decodeRecord(seq, b)
		return err
	})
	return r, r != nil, err
}

// Walk calls fn for every record in seq order until fn returns an error,
// which Walk returns.
func (a *Archive) Walk(fn func(*Record) error) error {
	return a.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRecords).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(k) != 8 {
				return fmt.Errorf("%w: record key of %d bytes", ErrCorrupt, len(k))
			}
			r, err := decodeRecord(binary.BigEndian.Uint64(k), v)
			if err != nil {
				return err
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	})
}

// AddRejection appends r to the rejections kept in the archive.
func (a *Archive) AddRejection(r Rejection) error { return a.AddRejections([]Rejection{r}) }

// AddRejections appends rs in order in one transaction.
func (a *Archive) AddRejections(rs []Rejection) error {
	err := a.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRejections)
		for _, r := range rs {
			n, err := b.NextSequence()
			if err != nil {
				return err
			}
			v, _ := json.Marshal(r)
			if err := b.Put(seqKey(n), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("failed to record rejection: %w", err)
	}
	return nil
}

// Rejections returns every rejection kept, oldest first.
func (a *Archive) Rejections() ([]Rejection, error) {
	var out []Rejection
	err := a.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRejections).ForEach(func(_, v []byte) error {
			var r Rejection
			dec := json.NewDecoder(bytes.NewReader(v))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&r); err != nil {
				return fmt.Errorf("%w: rejection: %v", ErrCorrupt, err)
			}
			out = append(out, r)
			return nil
		})
	})
	return out, err
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }
