package fix

import (
	"errors"
	"fmt"
)

// Errors returned by Parse and the stream reader; a *ParseError wraps one
// of them.
var (
	// ErrTooLarge is returned for a message over MaxMessageSize bytes or
	// MaxFields fields.
	ErrTooLarge = errors.New("message too large")
	// ErrMalformed is returned for a field that is not tag=value, a
	// non-numeric or zero-padded tag, an empty value or a misplaced
	// header or trailer field.
	ErrMalformed = errors.New("malformed message")
	// ErrVersion is returned for a BeginString other than FIX.4.2 or FIX.4.4.
	ErrVersion = errors.New("unsupported BeginString")
	// ErrBodyLength is returned when BodyLength (9) does not match the body.
	ErrBodyLength = errors.New("wrong BodyLength")
	// ErrCheckSum is returned when CheckSum (10) does not match the bytes.
	ErrCheckSum = errors.New("wrong CheckSum")
)

// ParseError says which field of a message was wrong and where.
type ParseError struct {
	Tag    Tag   // the field at fault; 0 when no tag could be read
	Offset int   // byte offset of the field in the message
	Err    error // one of the sentinels above
	Detail string
}

// Error implements error, naming the tag.
func (e *ParseError) Error() string {
	if e.Tag == 0 {
		return fmt.Sprintf("%v at byte %d: %s", e.Err, e.Offset, e.Detail)
	}
	return fmt.Sprintf("%v: tag %v at byte %d: %s", e.Err, e.Tag, e.Offset, e.Detail)
}

// Unwrap returns the sentinel.
func (e *ParseError) Unwrap() error { return e.Err }

// SessionRejectReason values (tag 373, FIX 4.4 Vol.6) used in FieldError.
const (
	RejectInvalidTag         = 0
	RejectRequiredTagMissing = 1
	RejectValueIncorrect     = 5
	RejectIncorrectFormat    = 6
	RejectCompIDProblem      = 9
	RejectInvalidMsgType     = 11
)

// FieldError is a well-formed message whose content is wrong: a required
// tag missing or a value out of range. The acceptor answers it with a
// session Reject (3) naming the tag.
type FieldError struct {
	Tag    Tag
	Reason int // SessionRejectReason (373)
	Msg    string
}

// Error implements error, naming the tag.
func (e *FieldError) Error() string { return fmt.Sprintf("tag %v: %s", e.Tag, e.Msg) }
