package fix

import (
	"bytes"
	"fmt"
	"strings"
)

// Encode returns the wire form of m: 8, 9 and 35, the fields in order, and
// 10, with BodyLength and CheckSum computed (FIX 4.4 Vol.2). It returns an
// error for a value that is empty or holds SOH, a tag out of range, a
// header or trailer tag among the fields, or a result over MaxMessageSize.
func (m *Message) Encode() ([]byte, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	var body bytes.Buffer
	writeField(&body, TagMsgType, m.MsgType)
	for _, f := range m.Fields {
		writeField(&body, f.Tag, f.Value)
	}
	var out bytes.Buffer
	writeField(&out, TagBeginString, m.BeginString)
	writeField(&out, TagBodyLength, formatUint(body.Len()))
	out.Write(body.Bytes())
	writeField(&out, TagCheckSum, fmt.Sprintf("%03d", sum(out.Bytes())))
	if out.Len() > MaxMessageSize {
		return nil, fmt.Errorf("failed to encode message: %w: %d bytes", ErrTooLarge, out.Len())
	}
	return out.Bytes(), nil
}

func (m *Message) check() error {
	if m.BeginString != FIX42 && m.BeginString != FIX44 {
		return fmt.Errorf("failed to encode message: %w %q", ErrVersion, m.BeginString)
	}
	if !validValue(m.MsgType) {
		return fmt.Errorf("failed to encode message: tag %v: empty value or SOH", TagMsgType)
	}
	if len(m.Fields) > maxFields {
		return fmt.Errorf("failed to encode message: %w: %d fields", ErrTooLarge, len(m.Fields))
	}
	for _, f := range m.Fields {
		switch {
		case f.Tag < 1 || f.Tag > MaxTag:
			return fmt.Errorf("failed to encode message: tag %d out of range", int(f.Tag))
		case f.Tag == TagBeginString || f.Tag == TagBodyLength || f.Tag == TagMsgType || f.Tag == TagCheckSum:
			return fmt.Errorf("failed to encode message: tag %v is written by Encode", f.Tag)
		case !validValue(f.Value):
			return fmt.Errorf("failed to encode message: tag %v: empty value or SOH", f.Tag)
		}
	}
	return nil
}

func validValue(v string) bool { return v != "" && !strings.ContainsRune(v, soh) }

func writeField(b *bytes.Buffer, t Tag, v string) {
	b.WriteString(formatUint(int(t)))
	b.WriteByte('=')
	b.WriteString(v)
	b.WriteByte(soh)
}
