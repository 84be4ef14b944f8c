// Package testledger is a small RFC 6962 ledger in bbolt for the node's
// tests: records by index, an ID index and leaf hashes. Roots are computed
// by folding every leaf hash, which is fine for test sizes only.
package testledger

import (
	"encoding/binary"
	"errors"
	"fmt"

	"bastion/high-side/node/fsm"
	"bastion/shared/merkle"

	"go.etcd.io/bbolt"
)

var (
	bucketEntries  = []byte("testledger.entries")
	bucketOpenings = []byte("testledger.openings")
	bucketHashes   = []byte("testledger.hashes")
	bucketIDs      = []byte("testledger.ids")
)

// Ledger is the test ledger over one bbolt database.
type Ledger struct{ db *bbolt.DB }

// Open creates the ledger's buckets in db if needed.
func Open(db *bbolt.DB) (fsm.Ledger, error) {
	err := db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketEntries, bucketOpenings, bucketHashes, bucketIDs} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Ledger{db: db}, nil
}

func key(i uint64) []byte { return binary.BigEndian.AppendUint64(nil, i) }

// Append adds recs whose IDs are new and returns every record's index.
func (l *Ledger) Append(tx *bbolt.Tx, recs []fsm.Record) ([]uint64, error) {
	ents, ids := tx.Bucket(bucketEntries), tx.Bucket(bucketIDs)
	size := uint64(ents.Stats().KeyN)
	if k, _ := ents.Cursor().Last(); k != nil {
		size = binary.BigEndian.Uint64(k) + 1
	}
	out := make([]uint64, len(recs))
	for i, r := range recs {
		if v := ids.Get([]byte(r.ID)); v != nil {
			out[i] = binary.BigEndian.Uint64(v)
			continue
		}
		h := merkle.LeafHash(r.Entry)
		for _, kv := range []struct{ b, v []byte }{
			{bucketEntries, r.Entry}, {bucketOpenings, r.Openings}, {bucketHashes, h[:]},
		} {
			if err := tx.Bucket(kv.b).Put(key(size), kv.v); err != nil {
				return nil, err
			}
		}
		if err := ids.Put([]byte(r.ID), key(size)); err != nil {
			return nil, err
		}
		out[i] = size
		size++
	}
	return out, nil
}

// Size returns the number of records.
func (l *Ledger) Size() (n uint64, err error) {
	err = l.db.View(func(tx *bbolt.Tx) error {
		if k, _ := tx.Bucket(bucketEntries).Cursor().Last(); k != nil {
			n = binary.BigEndian.Uint64(k) + 1
		}
		return nil
	})
	return n, err
}

// Entry returns the entry at index.
func (l *Ledger) Entry(index uint64) ([]byte, error) { return l.get(bucketEntries, index) }

// Openings returns the openings stored with the entry at index.
func (l *Ledger) Openings(index uint64) ([]byte, error) { return l.get(bucketOpenings, index) }

func (l *Ledger) get(b []byte, index uint64) (v []byte, err error) {
	err = l.db.View(func(tx *bbolt.Tx) error {
		got := tx.Bucket(b).Get(key(index))
		if got == nil {
			return fmt.Errorf("no record at index %d", index)
		}
		v = append([]byte(nil), got...)
		return nil
	})
	return v, err
}

// Root returns the RFC 6962 root of the first size records.
func (l *Ledger) Root(size uint64) (root merkle.Hash, err error) {
	err = l.db.View(func(tx *bbolt.Tx) error {
		var c merkle.Compact
		cur := tx.Bucket(bucketHashes).Cursor()
		for k, v := cur.First(); k != nil && c.Size() < size; k, v = cur.Next() {
			c.Append(merkle.Hash(v))
		}
		if c.Size() != size {
			return errors.New("size beyond the ledger")
		}
		root = c.Root()
		return nil
	})
	return root, err
}
