package records

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"bastion/shared/entry"
	"bastion/shared/merkle"
)

// VersionSource is what rebuilding versions reads; *ledger.Reader and
// *ledger.Ledger satisfy it.
type VersionSource interface {
	Size() (uint64, error)
	Entry(index uint64) ([]byte, error)
	LeafHash(index uint64) (merkle.Hash, error)
}

// Version is one version of a record: version 1 is the record as first
// written, each later one an amendment entry.
type Version struct {
	Number int             // 1 for the original
	Index  uint64          // ledger index of the entry that wrote it
	Leaf   merkle.Hash     // that entry's leaf hash
	Type   entry.Type      // the record's type
	Body   json.RawMessage // the record's body at this version
	Actor  string          // who wrote this version
	Time   time.Time       // when, UTC
	Reason string          // why it changed; empty for version 1
}

// ErrBrokenChain is returned when an amendment of a record does not
// continue its version chain: a wrong previous index, leaf hash or
// version number, or two amendments of the same version.
var ErrBrokenChain = errors.New("broken amendment chain")

// amendmentMark is how every amendment entry's canonical encoding opens
// its type; entries without it are skipped without decoding.
var amendmentMark = []byte(`"type":"` + string(entry.TypeAmendment) + `"`)

// History rebuilds every version of the record written at index record,
// oldest first, by scanning the ledger after it for amendments naming it.
// Each amendment must name the version before it by index and leaf hash
// (ErrBrokenChain otherwise). It returns an error when record is itself an
// amendment or a disposal. The scan reads every later entry once.
func History(src VersionSource, record uint64) ([]Version, error) {
	first, err := original(src, record)
	if err != nil {
		return nil, err
	}
	size, err := src.Size()
	if err != nil {
		return nil, err
	}
	out := []Version{first}
	for i := record + 1; i < size; i++ {
		raw, err := src.Entry(i)
		if err != nil {
			return nil, fmt.Errorf("failed to read entry %d: %w", i, err)
		}
		if !bytes.Contains(raw, amendmentMark) {
			continue
		}
		v, ok, err := amendmentOf(src, i, raw, record)
		if err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		if err := continues(out[len(out)-1], v); err != nil {
			return nil, err
		}
		out = append(out, v.Version)
	}
	return out, nil
}

// VersionAt returns version k (from 1) of the record at index record.
func VersionAt(src VersionSource, record uint64, k int) (Version, error) {
	h, err := History(src, record)
	if err != nil {
		return Version{}, err
	}
	if k < 1 || k > len(h) {
		return Version{}, fmt.Errorf("record %d has versions 1 to %d, not %d", record, len(h), k)
	}
	return h[k-1], nil
}

// original reads version 1.
func original(src VersionSource, record uint64) (Version, error) {
	raw, err := src.Entry(record)
	if err != nil {
		return Version{}, fmt.Errorf("failed to read record %d: %w", record, err)
	}
	e, err := entry.Decode(raw)
	if err != nil {
		return Version{}, fmt.Errorf("record %d: %w", record, err)
	}
	if !entry.Amendable(e.Type) {
		return Version{}, fmt.Errorf("entry %d is a %s, not a record that can have versions", record, e.Type)
	}
	leaf, err := src.LeafHash(record)
	if err != nil {
		return Version{}, err
	}
	return Version{Number: 1, Index: record, Leaf: leaf, Type: e.Type, Body: e.Body,
		Actor: e.Actor, Time: e.Timestamp()}, nil
}

// amendment is a decoded amendment with the chain fields it claims.
type amendment struct {
	Version
	prev     uint64
	prevLeaf string
}

// amendmentOf decodes the entry at i and reports whether it amends record.
func amendmentOf(src VersionSource, i uint64, raw []byte, record uint64) (amendment, bool, error) {
	e, err := entry.Decode(raw)
	if err != nil || e.Type != entry.TypeAmendment {
		return amendment{}, false, err
	}
	var a entry.Amendment
	if err := json.Unmarshal(e.Body, &a); err != nil {
		return amendment{}, false, fmt.Errorf("malformed amendment at %d: %v", i, err)
	}
	if a.Record != record {
		return amendment{}, false, nil
	}
	leaf, err := src.LeafHash(i)
	if err != nil {
		return amendment{}, false, err
	}
	return amendment{Version: Version{Number: a.Version, Index: i, Leaf: leaf, Type: a.RecordType,
		Body: a.Body, Actor: e.Actor, Time: e.Timestamp(), Reason: a.Reason},
		prev: a.Prev, prevLeaf: a.PrevLeaf}, true, nil
}

// continues checks that a is the version right after last.
func continues(last Version, a amendment) error {
	switch {
	case a.Number != last.Number+1:
		return fmt.Errorf("%w: entry %d claims version %d after version %d", ErrBrokenChain, a.Index, a.Number, last.Number)
	case a.prev != last.Index || a.prevLeaf != last.Leaf.String():
		return fmt.Errorf("%w: entry %d names %d/%s, want %d/%s", ErrBrokenChain, a.Index, a.prev, a.prevLeaf, last.Index, last.Leaf)
	case a.Type != last.Type:
		return fmt.Errorf("%w: entry %d changes the record type from %s to %s", ErrBrokenChain, a.Index, last.Type, a.Type)
	}
	return nil
}

// NextAmendment returns the amendment body that makes the next version of
// the record at index record with body and reason: it names the latest
// version by index and leaf hash. body must be of the record's type with
// its sensitive fields committed afresh; the result is validated.
func NextAmendment(src VersionSource, record uint64, body json.RawMessage, reason string) (entry.Amendment, error) {
	h, err := History(src, record)
	if err != nil {
		return entry.Amendment{}, err
	}
	last := h[len(h)-1]
	a := entry.Amendment{Record: record, Prev: last.Index, PrevLeaf: last.Leaf.String(),
		Version: last.Number + 1, RecordType: last.Type, Body: body, Reason: reason}
	return a, entry.ValidateAmendment(a)
}
