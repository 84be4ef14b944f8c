package fix

import (
	"fmt"
	"strconv"
)

// Field is one tag=value pair.
type Field struct {
	Tag   Tag
	Value string
}

// Message is one FIX message. Fields holds every field between MsgType
// (35) and CheckSum (10) in wire order, header and trailer fields included,
// so repeating groups keep their order. BodyLength and CheckSum are not
// stored: Encode computes them.
type Message struct {
	BeginString string // tag 8, FIX42 or FIX44
	MsgType     string // tag 35
	Fields      []Field
}

// NewMessage returns an empty message of the given version and type.
func NewMessage(beginString, msgType string) *Message {
	return &Message{BeginString: beginString, MsgType: msgType}
}

// Get returns the value of the first field with tag t.
func (m *Message) Get(t Tag) (string, bool) {
	for _, f := range m.Fields {
		if f.Tag == t {
			return f.Value, true
		}
	}
	return "", false
}

// Has reports whether the message carries tag t.
func (m *Message) Has(t Tag) bool {
	_, ok := m.Get(t)
	return ok
}

// Add appends a field; an empty value is not added, since FIX forbids
// empty values.
func (m *Message) Add(t Tag, value string) *Message {
	if value != "" {
		m.Fields = append(m.Fields, Field{t, value})
	}
	return m
}

// Set replaces the value of the first field with tag t, or appends it.
func (m *Message) Set(t Tag, value string) *Message {
	for i := range m.Fields {
		if m.Fields[i].Tag == t {
			m.Fields[i].Value = value
			return m
		}
	}
	return m.Add(t, value)
}

// Remove deletes every field with tag t.
func (m *Message) Remove(t Tag) *Message {
	kept := m.Fields[:0]
	for _, f := range m.Fields {
		if f.Tag != t {
			kept = append(kept, f)
		}
	}
	m.Fields = kept
	return m
}

// Require returns the value of tag t or a FieldError saying it is missing.
func (m *Message) Require(t Tag) (string, error) {
	v, ok := m.Get(t)
	if !ok {
		return "", &FieldError{Tag: t, Reason: RejectRequiredTagMissing, Msg: "required tag missing"}
	}
	return v, nil
}

// Int returns tag t as a non-negative integer of at most 18 digits.
func (m *Message) Int(t Tag) (int64, error) {
	v, err := m.Require(t)
	if err != nil {
		return 0, err
	}
	n, ok := parseUint(v)
	if !ok {
		return 0, &FieldError{Tag: t, Reason: RejectIncorrectFormat,
			Msg: fmt.Sprintf("value %q is not a non-negative integer", v)}
	}
	return n, nil
}

// Clone returns a deep copy of m.
func (m *Message) Clone() *Message {
	c := *m
	c.Fields = append([]Field(nil), m.Fields...)
	return &c
}

// String renders the message with '|' between fields, for logs and errors.
func (m *Message) String() string {
	b, err := m.Encode()
	if err != nil {
		return "<unencodable: " + err.Error() + ">"
	}
	for i := range b {
		if b[i] == soh {
			b[i] = '|'
		}
	}
	return string(b)
}

// parseUint parses 1 to 18 decimal digits.
func parseUint(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
