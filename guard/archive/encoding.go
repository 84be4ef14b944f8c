package archive

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"bastion/guard/export"
	"bastion/shared/merkle"
)

// Stored forms (integers big-endian):
//
//	record: kind (1) || first (8) || size (8) || chain (32) ||
//	        len(file) (8) || file || len(checkpoint) (8) || checkpoint
//	head:   records (8) || seq (8) || chain (32) || size (8) || root (32) ||
//	        checkpoint (the rest)

// encodeRecord returns the stored form of r (its seq is the key).
func encodeRecord(r *Record) []byte {
	b := make([]byte, 0, 65+len(r.File)+len(r.Checkpoint))
	b = append(b, byte(r.Kind))
	b = binary.BigEndian.AppendUint64(b, r.First)
	b = binary.BigEndian.AppendUint64(b, r.Size)
	b = append(b, r.Chain[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(len(r.File)))
	b = append(b, r.File...)
	b = binary.BigEndian.AppendUint64(b, uint64(len(r.Checkpoint)))
	return append(b, r.Checkpoint...)
}

// decodeRecord parses a stored record. Slices are copied out of bbolt's
// memory map, so the record outlives the transaction.
func decodeRecord(seq uint64, b []byte) (*Record, error) {
	bad := func(what string) error { return fmt.Errorf("%w: record %d: %s", ErrCorrupt, seq, what) }
	if len(b) < 57 {
		return nil, bad("short")
	}
	r := &Record{Seq: seq, Kind: Kind(b[0]), First: binary.BigEndian.Uint64(b[1:]),
		Size: binary.BigEndian.Uint64(b[9:])}
	copy(r.Chain[:], b[17:49])
	rest := b[49:]
	var ok bool
	if r.File, rest, ok = lengthPrefixed(rest); !ok {
		return nil, bad("file length")
	}
	if r.Checkpoint, rest, ok = lengthPrefixed(rest); !ok || len(rest) != 0 {
		return nil, bad("checkpoint length")
	}
	return r, nil
}

// lengthPrefixed splits an 8-byte length and that many bytes off b.
func lengthPrefixed(b []byte) (field, rest []byte, ok bool) {
	if len(b) < 8 {
		return nil, nil, false
	}
	n := binary.BigEndian.Uint64(b)
	if n > uint64(len(b)-8) {
		return nil, nil, false
	}
	return append([]byte(nil), b[8:8+n]...), b[8+n:], true
}

func encodeHead(h Head) []byte {
	b := binary.BigEndian.AppendUint64(nil, h.Records)
	b = binary.BigEndian.AppendUint64(b, h.Seq)
	b = append(b, h.Chain[:]...)
	b = binary.BigEndian.AppendUint64(b, h.Size)
	b = append(b, h.Root[:]...)
	return append(b, h.Checkpoint...)
}

// readHead returns the stored head, or the empty archive's head.
func readHead(tx *bolt.Tx) (Head, error) {
	b := tx.Bucket(bucketMeta).Get(keyHead)
	if b == nil {
		return emptyHead(), nil
	}
	if len(b) < 88 {
		return Head{}, fmt.Errorf("%w: head of %d bytes", ErrCorrupt, len(b))
	}
	h := Head{Records: binary.BigEndian.Uint64(b), Seq: binary.BigEndian.Uint64(b[8:]),
		Size: binary.BigEndian.Uint64(b[48:])}
	copy(h.Chain[:], b[16:48])
	copy(h.Root[:], b[56:88])
	h.Checkpoint = append([]byte(nil), b[88:]...)
	return h, nil
}

// emptyHead is the head of an archive without records.
func emptyHead() Head {
	return Head{Chain: export.GenesisChain(), Root: merkle.EmptyRoot()}
}
