package ledger

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"

	"go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"

	"bastion/shared/merkle"
)

// Append appends recs, in order, inside tx, which must be a writable
// transaction of the ledger's database. It returns the ledger index of each
// record: a new index for a new record, or the index it already has for a
// record whose ID is in the ledger or earlier in recs (idempotency: such a
// record is not appended again).
//
// Every record is checked before anything is written; a bad one fails the
// call with ErrInvalidRecord and tx is untouched. Any other error (a store
// failure, ErrCorrupt) may leave tx partly written, and the caller must roll
// it back. The result depends only on the ledger's state and recs, so every
// node that applies the same Raft log builds the same tree.
func (l *Ledger) Append(tx *bbolt.Tx, recs []Record) ([]uint64, error) {
	switch {
	case !tx.Writable():
		return nil, errors.New("failed to append to ledger: transaction is read-only")
	case tx.DB() != l.db:
		return nil, errors.New("failed to append to ledger: transaction of another database")
	}
	if err := validateRecords(recs); err != nil {
		return nil, err
	}
	bk, err := bucketsOf(tx)
	if err != nil {
		return nil, err
	}
	// Keys only grow in these buckets: fill pages completely.
	bk.entries.FillPercent, bk.openings.FillPercent, bk.hashes.FillPercent = 1, 1, 1
	size, err := bk.size()
	if err != nil {
		return nil, err
	}

	w := &writer{bk: bk, hashes: newHashCache(bk.hashes)}
	out := make([]uint64, len(recs))
	for i, rec := range recs {
		if idx, ok, err := lookup(bk.ids, rec.ID); err != nil || ok {
			out[i] = idx
			if err != nil {
				return nil, err
			}
			continue
		}
		if err := w.append(size, rec); err != nil {
			return nil, fmt.Errorf("failed to append ledger entry %d: %w", size, err)
		}
		out[i] = size
		size++
	}
	if err := bk.meta.Put(keySize, u64(size)); err != nil {
		return nil, fmt.Errorf("failed to store ledger size: %w", err)
	}
	return out, nil
}

// validateRecords checks every record against the limits.
func validateRecords(recs []Record) error {
	for i, r := range recs {
		switch {
		case len(r.Entry) == 0 || len(r.Entry) > MaxEntrySize:
			return fmt.Errorf("%w: record %d: entry of %d bytes, want 1 to %d",
				ErrInvalidRecord, i, len(r.Entry), MaxEntrySize)
		case len(r.Openings) > MaxOpeningsSize:
			return fmt.Errorf("%w: record %d: openings of %d bytes, at most %d",
				ErrInvalidRecord, i, len(r.Openings), MaxOpeningsSize)
		case r.ID == "" || len(r.ID) > MaxIDLen || !utf8.ValidString(r.ID):
			return fmt.Errorf("%w: record %d: id must be 1 to %d bytes of UTF-8", ErrInvalidRecord, i, MaxIDLen)
		}
	}
	return nil
}

// writer appends records within one Append call. bbolt requires keys and
// values to stay valid until the transaction ends, so every Put gets bytes
// of its own from the arena and nothing is reused.
type writer struct {
	bk     *buckets
	hashes *hashCache
	arena  arena
}

// append stores rec at index n: its entry, openings, ID and the tree hashes
// it completes (RFC 6962 §2.1, in tlog's stored-hash layout).
func (w *writer) append(n uint64, rec Record) error {
	leaf := merkle.LeafHash(rec.Entry)
	hs, err := tlog.StoredHashesForRecordHash(int64(n), tlog.Hash(leaf), w.hashes)
	if err != nil {
		return err
	}
	first := uint64(tlog.StoredHashIndex(0, int64(n)))
	for j, h := range hs {
		w.hashes.put(int64(first)+int64(j), h)
		if err := w.bk.hashes.Put(w.key(first+uint64(j)), w.arena.copy(h[:])); err != nil {
			return err
		}
	}
	if err := w.bk.entries.Put(w.key(n), w.arena.copy(rec.Entry)); err != nil {
		return err
	}
	if len(rec.Openings) > 0 {
		if err := w.bk.openings.Put(w.key(n), w.arena.copy(rec.Openings)); err != nil {
			return err
		}
	}
	return w.bk.ids.Put(w.arena.copy([]byte(rec.ID)), w.key(n))
}

// key returns n as an 8-byte big-endian key from the arena.
func (w *writer) key(n uint64) []byte {
	k := w.arena.alloc(8)
	binary.BigEndian.PutUint64(k, n)
	return k
}

// arena hands out byte slices carved from large chunks, so one Append of a
// thousand records costs a handful of allocations instead of thousands.
// Slices handed out are never reused.
type arena struct{ buf []byte }

const arenaChunk = 256 << 10

func (a *arena) alloc(n int) []byte {
	if n > cap(a.buf)-len(a.buf) {
		a.buf = make([]byte, 0, max(arenaChunk, n))
	}
	s := a.buf[len(a.buf) : len(a.buf)+n : len(a.buf)+n]
	a.buf = a.buf[:len(a.buf)+n]
	return s
}

func (a *arena) copy(b []byte) []byte {
	s := a.alloc(len(b))
	copy(s, b)
	return s
}
