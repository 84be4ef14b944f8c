package fix

import (
	"bytes"
	"fmt"
	"strconv"
)

// Limits on what Parse accepts.
const (
	// MaxMessageSize is the largest encoded message, in bytes.
	MaxMessageSize = 64 << 10
	// MaxFields is the most fields a message may hold.
	MaxFields = maxFields
	// MaxTag is the largest tag number accepted.
	MaxTag = 99999

	maxFields = 2048
	soh       = 0x01
)

// Parse decodes exactly one message. It enforces the FIX 4.4 Vol.2 layout:
// 8=FIX.4.2 or 8=FIX.4.4 first, 9 (BodyLength) second with no leading
// zeros and equal to the byte count from after its delimiter up to and
// including the delimiter before 10, 35 third, 10 (CheckSum) last as three
// digits equal to the sum of all preceding bytes modulo 256, every field
// terminated by SOH, tags decimal without leading zeros, values non-empty,
// and 8, 9, 35 and 10 nowhere else. Errors are *ParseError values naming
// the tag.
func Parse(b []byte) (*Message, error) {
	if len(b) > MaxMessageSize {
		return nil, &ParseError{Err: ErrTooLarge, Detail: fmt.Sprintf("%d bytes, at most %d", len(b), MaxMessageSize)}
	}
	fields, offs, err := splitFields(b)
	if err != nil {
		return nil, err
	}
	if err := checkLayout(b, fields, offs); err != nil {
		return nil, err
	}
	m := &Message{BeginString: fields[0].Value, MsgType: fields[2].Value}
	m.Fields = fields[3 : len(fields)-1]
	return m, nil
}

// splitFields cuts b into tag=value fields, each ended by SOH.
func splitFields(b []byte) ([]Field, []int, error) {
	var fields []Field
	var offs []int
	for off := 0; off < len(b); {
		if len(fields) == maxFields+4 {
			return nil, nil, &ParseError{Err: ErrTooLarge, Offset: off, Detail: fmt.Sprintf("more than %d fields", maxFields)}
		}
		end := bytes.IndexByte(b[off:], soh)
		if end < 0 {
			return nil, nil, &ParseError{Err: ErrMalformed, Offset: off, Detail: "field not terminated by SOH"}
		}
		f, err := parseField(b[off:off+end], off)
		if err != nil {
			return nil, nil, err
		}
		fields = append(fields, f)
		offs = append(offs, off)
		off += end + 1
	}
	if len(fields) < 4 {
		return nil, nil, &ParseError{Err: ErrMalformed, Detail: fmt.Sprintf("%d fields, need at least 8, 9, 35 and 10", len(fields))}
	}
	return fields, offs, nil
}

// parseField decodes one "tag=value" without its delimiter.
func parseField(b []byte, off int) (Field, error) {
	eq := bytes.IndexByte(b, '=')
	if eq < 0 {
		return Field{}, &ParseError{Err: ErrMalformed, Offset: off, Detail: fmt.Sprintf("field %q has no '='", clip(b))}
	}
	tag, ok := parseTag(b[:eq])
	if !ok {
		return Field{}, &ParseError{Err: ErrMalformed, Offset: off, Detail: fmt.Sprintf("tag %q is not a number from 1 to %d without leading zeros", clip(b[:eq]), MaxTag)}
	}
	if eq == len(b)-1 {
		return Field{}, &ParseError{Tag: tag, Err: ErrMalformed, Offset: off, Detail: "empty value"}
	}
	return Field{Tag: tag, Value: string(b[eq+1:])}, nil
}

// parseTag accepts 1 to 5 digits, no leading zero.
func parseTag(b []byte) (Tag, bool) {
	if len(b) == 0 || len(b) > 5 || b[0] == '0' {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return Tag(n), true
}

// checkLayout verifies the positions and values of 8, 9, 35 and 10.
func checkLayout(b []byte, fields []Field, offs []int) error {
	last := len(fields) - 1
	for i, want := range []Tag{TagBeginString, TagBodyLength, TagMsgType} {
		if fields[i].Tag != want {
			return &ParseError{Tag: fields[i].Tag, Err: ErrMalformed, Offset: offs[i], Detail: fmt.Sprintf("field %d must be tag %v", i+1, want)}
		}
	}
	if fields[last].Tag != TagCheckSum {
		return &ParseError{Tag: fields[last].Tag, Err: ErrMalformed, Offset: offs[last], Detail: "last field must be tag 10 (CheckSum)"}
	}
	for i := 3; i < last; i++ {
		switch fields[i].Tag {
		case TagBeginString, TagBodyLength, TagMsgType, TagCheckSum:
			return &ParseError{Tag: fields[i].Tag, Err: ErrMalformed, Offset: offs[i], Detail: "header or trailer tag repeated inside the message"}
		}
	}
	if v := fields[0].Value; v != FIX42 && v != FIX44 {
		return &ParseError{Tag: TagBeginString, Err: ErrVersion, Detail: fmt.Sprintf("%q, want %s or %s", clip([]byte(v)), FIX42, FIX44)}
	}
	if err := checkBodyLength(fields[1].Value, offs[2], offs[last], offs[1]); err != nil {
		return err
	}
	return checkSum(b[:offs[last]], fields[last].Value, offs[last])
}

// checkBodyLength compares the declared BodyLength with the bytes from
// the start of 35 to the start of 10.
func checkBodyLength(v string, start, end, off int) error {
	n, ok := parseUint(v)
	if !ok || (len(v) > 1 && v[0] == '0') {
		return &ParseError{Tag: TagBodyLength, Err: ErrMalformed, Offset: off, Detail: fmt.Sprintf("value %q is not a length without leading zeros", clip([]byte(v)))}
	}
	if got := int64(end - start); n != got {
		return &ParseError{Tag: TagBodyLength, Err: ErrBodyLength, Offset: off, Detail: fmt.Sprintf("declared %d, body is %d bytes", n, got)}
	}
	return nil
}

// checkSum verifies tag 10 against the bytes before it (FIX 4.4 Vol.2
// "CheckSum Calculation": sum of bytes modulo 256, three digits).
func checkSum(prefix []byte, v string, off int) error {
	n, ok := parseUint(v)
	if !ok || len(v) != 3 {
		return &ParseError{Tag: TagCheckSum, Err: ErrMalformed, Offset: off, Detail: fmt.Sprintf("value %q is not three digits", clip([]byte(v)))}
	}
	if got := sum(prefix); n != int64(got) {
		return &ParseError{Tag: TagCheckSum, Err: ErrCheckSum, Offset: off, Detail: fmt.Sprintf("declared %03d, computed %03d", n, got)}
	}
	return nil
}

func sum(b []byte) byte {
	var s byte
	for _, c := range b {
		s += c
	}
	return s
}

// clip quotes at most 32 bytes of b for an error message.
func clip(b []byte) string {
	if len(b) > 32 {
		return string(b[:32]) + "..."
	}
	return string(b)
}

// formatUint writes n in decimal.
func formatUint(n int) string { return strconv.Itoa(n) }
