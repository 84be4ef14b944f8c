package entry

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// MaxDisposalIndexes bounds the ledger indexes one disposal entry names.
const MaxDisposalIndexes = 1024

// Amendment is the body of an amendment entry: version Version of the
// record first written at index Record, replacing the version at index
// Prev, whose leaf hash is PrevLeaf. Body is the whole new body, in the
// schema of RecordType, with its sensitive fields committed afresh. The
// amendment's envelope says who changed the record (Actor) and when
// (Time). This is the audit-trail alternative of SEC Rule 17a-4(f)(2)(i)(A):
// a record is never rewritten; every version stays in the ledger.
type Amendment struct {
	Record     uint64          `json:"record"`      // index of version 1
	Prev       uint64          `json:"prev"`        // index of version Version-1
	PrevLeaf   string          `json:"prev_leaf"`   // hex RFC 6962 leaf hash at Prev
	Version    int             `json:"version"`     // 2 or more
	RecordType Type            `json:"record_type"` // the amended record's type
	Body       json.RawMessage `json:"body"`        // the new body
	Reason     string          `json:"reason"`      // why it changed
}

// Disposal is the body of a disposal entry: the sensitive values (values
// and salts behind the commitments) of the entries at Indexes were
// destroyed because retention class Class, through schedule rule Rule,
// kept them for Retain and they were written at or before Cutoff. The
// entries themselves, their commitments and every proof stay. The
// envelope's Actor is who ran the disposal; Job names the program.
type Disposal struct {
	Class    string   `json:"class"`     // retention class name
	Rule     string   `json:"rule"`      // the schedule rule that matched
	Retain   string   `json:"retain"`    // the class's retention period, e.g. "6y"
	Schedule string   `json:"schedule"`  // hex SHA-256 of the schedule in force
	Cutoff   int64    `json:"cutoff_ns"` // ns since the epoch, UTC
	Indexes  []uint64 `json:"indexes"`   // sorted, unique
	Fields   []string `json:"fields"`    // field names destroyed, sorted, unique
	Job      string   `json:"job"`       // the program that ran it
}

func (a *Amendment) validate() error {
	switch {
	case a.Version < 2 || a.Version > 1<<20:
		return fmt.Errorf("amendment version %d out of range", a.Version)
	case a.Prev < a.Record:
		return fmt.Errorf("amendment prev %d before record %d", a.Prev, a.Record)
	case a.Version == 2 && a.Prev != a.Record:
		return fmt.Errorf("version 2 must amend the record itself, not index %d", a.Prev)
	case !validLeafHex(a.PrevLeaf):
		return errors.New("prev_leaf is not 64 lower-case hex digits")
	case !amendable(a.RecordType):
		return fmt.Errorf("record type %q cannot be amended", a.RecordType)
	case len(a.Reason) == 0 || len(a.Reason) > 1024:
		return errors.New("amendment reason must be 1 to 1024 bytes")
	}
	if err := validateBody(a.RecordType, a.Body); err != nil {
		return fmt.Errorf("amended %s body: %w", a.RecordType, err)
	}
	return nil
}

// amendable reports whether records of type t may be amended: every
// known type except amendments and disposals themselves.
func amendable(t Type) bool {
	return knownTypes[t] && t != TypeAmendment && t != TypeDisposal
}

func (d *Disposal) validate() error {
	switch {
	case !validName(d.Class, 64) || !validID(d.Rule) || !validID(d.Retain) || !validID(d.Job):
		return errors.New("malformed disposal class, rule, retain or job")
	case !validLeafHex(d.Schedule):
		return errors.New("disposal schedule is not a hex SHA-256")
	case d.Cutoff <= 0:
		return fmt.Errorf("disposal cutoff %d is not after the epoch", d.Cutoff)
	case len(d.Indexes) == 0 || len(d.Indexes) > MaxDisposalIndexes:
		return fmt.Errorf("disposal of %d indexes, want 1 to %d", len(d.Indexes), MaxDisposalIndexes)
	case !strictlySorted(d.Indexes):
		return errors.New("disposal indexes not sorted and unique")
	case len(d.Fields) == 0 || len(d.Fields) > 16 || !strictlySorted(d.Fields):
		return errors.New("disposal fields must be 1 to 16 names, sorted and unique")
	}
	for _, f := range d.Fields {
		if !validName(f, 32) {
			return fmt.Errorf("malformed disposal field %q", f)
		}
	}
	return nil
}

func strictlySorted[T uint64 | string](s []T) bool {
	return slices.IsSorted(s) && len(slices.Compact(slices.Clone(s))) == len(s)
}

// validLeafHex reports whether s is 64 lower-case hex digits.
func validLeafHex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Amendable reports whether records of type t may be amended (and so
// carry a retention class): every known type except amendments and
// disposals.
func Amendable(t Type) bool { return amendable(t) }

// ValidOrderEvent reports whether ev is a known order event.
func ValidOrderEvent(ev OrderEvent) bool { return orderEvents[ev] }

// ValidateAmendment checks an amendment body on its own, as Validate does
// for an amendment entry.
func ValidateAmendment(a Amendment) error {
	raw, err := NewBody(a)
	if err != nil {
		return err
	}
	return validateBody(TypeAmendment, raw)
}
