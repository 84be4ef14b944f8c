package entry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// The canonical encoding is what encoding/json produces for an Envelope
// with HTML escaping off and no trailing newline. appendEnvelope writes the
// same bytes without reflection: the write path encodes every entry once,
// and the reflective encoder was one of its larger costs. The tests compare
// the two on generated envelopes and fail when a struct gains a field that
// this file does not write.

// appendEnvelope appends the canonical encoding of e to dst. bodyValid
// says that e.Body is known to be valid JSON (Validate has decoded it).
func appendEnvelope(dst []byte, e *Envelope, bodyValid bool) ([]byte, error) {
	dst = append(dst, `{"v":`...)
	dst = strconv.AppendInt(dst, int64(e.Version), 10)
	dst = append(dst, `,"type":`...)
	dst = appendJSONString(dst, string(e.Type))
	dst = append(dst, `,"id":`...)
	dst = appendJSONString(dst, e.ID)
	dst = append(dst, `,"time_ns":`...)
	dst = strconv.AppendInt(dst, e.Time, 10)
	dst = append(dst, `,"actor":`...)
	dst = appendJSONString(dst, e.Actor)
	dst = append(dst, `,"label":`...)
	var err error
	if dst, err = appendLabel(dst, e.Label); err != nil {
		return nil, err
	}
	dst = append(dst, `,"body":`...)
	if dst, err = appendCompact(dst, e.Body, bodyValid); err != nil {
		return nil, err
	}
	if e.Decision != nil {
		dst = append(dst, `,"decision":`...)
		dst = appendDecision(dst, e.Decision)
	}
	return append(dst, '}'), nil
}

func appendLabel(dst []byte, l Label) ([]byte, error) {
	if int(l.Level) >= len(levelNames) {
		return nil, fmt.Errorf("unknown classification level %d", uint8(l.Level))
	}
	dst = append(dst, `{"level":`...)
	dst = appendJSONString(dst, levelNames[l.Level])
	if len(l.Compartments) > 0 {
		dst = append(dst, `,"compartments":`...)
		dst = appendStrings(dst, l.Compartments)
	}
	return append(dst, '}'), nil
}

func appendDecision(dst []byte, d *Decision) []byte {
	dst = append(dst, `{"outcome":`...)
	dst = appendJSONString(dst, string(d.Outcome))
	if len(d.Reasons) > 0 {
		dst = append(dst, `,"reasons":`...)
		dst = appendStrings(dst, d.Reasons)
	}
	if len(d.Checks) > 0 {
		dst = append(dst, `,"checks":[`...)
		for i, c := range d.Checks {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendCheck(dst, c)
		}
		dst = append(dst, ']')
	}
	if d.RulePack != "" {
		dst = append(dst, `,"rule_pack":`...)
		dst = appendJSONString(dst, d.RulePack)
	}
	return append(dst, '}')
}

func appendCheck(dst []byte, c Check) []byte {
	dst = append(dst, `{"rule":`...)
	dst = appendJSONString(dst, c.Rule)
	dst = append(dst, `,"result":`...)
	dst = appendJSONString(dst, string(c.Result))
	for _, f := range [...]struct{ name, v string }{
		{`,"reason":`, c.Reason}, {`,"observed":`, c.Observed}, {`,"limit":`, c.Limit},
	} {
		if f.v != "" {
			dst = append(dst, f.name...)
			dst = appendJSONString(dst, f.v)
		}
	}
	return append(dst, '}')
}

// appendStrings appends a JSON array of strings; a nil slice is written as
// null, as encoding/json does.
func appendStrings(dst []byte, ss []string) []byte {
	if ss == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, s)
	}
	return append(dst, ']')
}

// appendJSONString appends s as a JSON string, escaped exactly as
// encoding/json escapes it with HTML escaping off: the quote and backslash
// and control characters escaped (short forms for \b \f \n \r \t,
// \u00XX for the rest), each byte of invalid UTF-8 replaced by \ufffd,
// U+2028 and U+2029 escaped, everything else copied. The tests check it
// against encoding/json on generated and fuzzed strings.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	from := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[from:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			from = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[from:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[from:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		from = i
	}
	dst = append(dst, s[from:]...)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// appendCompact appends raw with insignificant space removed, exactly as
// encoding/json writes a json.RawMessage with HTML escaping off; nil is
// written as null. Valid JSON with no space outside its strings is already
// compact and is copied as it is; valid says raw is known to be valid.
func appendCompact(dst []byte, raw json.RawMessage, valid bool) ([]byte, error) {
	if raw == nil {
		return append(dst, "null"...), nil
	}
	if noSpaceOutsideStrings(raw) && (valid || json.Valid(raw)) {
		return append(dst, raw...), nil
	}
	buf := bytes.NewBuffer(dst)
	if err := json.Compact(buf, raw); err != nil {
		return nil, fmt.Errorf("failed to encode entry body: %v", err)
	}
	return buf.Bytes(), nil
}

// noSpaceOutsideStrings reports whether b has no JSON white space outside
// its strings and no control character anywhere.
func noSpaceOutsideStrings(b []byte) bool {
	in := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c < 0x20:
			return false
		case in && c == '\\':
			i++
		case c == '"':
			in = !in
		case !in && c == ' ':
			return false
		}
	}
	return true
}
