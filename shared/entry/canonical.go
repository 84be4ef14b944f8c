package entry

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// decodeCanonical reads an envelope written in the canonical form, the
// bytes appendEnvelope produces, in one pass and without reflection. It
// accepts only a subset of that form: members in canonical order, no white
// space, integers in shortest form, strings without escapes, arrays never
// empty or null (the encoder leaves those members out). On anything else
// it returns ok == false and the caller falls back to encoding/json,
// which gives the precise error or decodes the rarer forms (escaped
// strings). Whenever ok is true, encoding/json decodes b to an equal
// envelope: the fuzz target FuzzDecodeCanonical checks exactly that.
//
// Every entry a report, a verifier or the guard reads was written by
// appendEnvelope and nearly all carry no escapes, so this path serves
// almost every read.
func decodeCanonical(b []byte) (e *Envelope, ok bool) {
	d := canonReader{b: b}
	e = new(Envelope)
	d.lit(`{"v":`)
	e.Version = int(d.int())
	d.lit(`,"type":`)
	e.Type = Type(d.str())
	d.lit(`,"id":`)
	e.ID = d.str()
	d.lit(`,"time_ns":`)
	e.Time = d.int()
	d.lit(`,"actor":`)
	e.Actor = d.str()
	d.lit(`,"label":{"level":`)
	e.Label.Level = d.level()
	if d.opt(`,"compartments":`) {
		e.Label.Compartments = d.strs()
	}
	d.lit(`},"body":`)
	e.Body = d.raw()
	if d.opt(`,"decision":`) {
		e.Decision = d.decision()
	}
	d.lit(`}`)
	if d.bad || d.i != len(b) {
		return nil, false
	}
	return e, true
}

// canonReader walks canonical bytes. The first mismatch sets bad; every
// later call then does nothing, so callers check once at the end.
type canonReader struct {
	b   []byte
	i   int
	bad bool
}

// lit consumes s or marks the input bad.
func (r *canonReader) lit(s string) {
	if r.bad || !r.opt(s) {
		r.bad = true
	}
}

// opt consumes s when the input continues with it.
func (r *canonReader) opt(s string) bool {
	if r.bad || len(r.b)-r.i < len(s) || string(r.b[r.i:r.i+len(s)]) != s {
		return false
	}
	r.i += len(s)
	return true
}

// int reads an integer as strconv.AppendInt writes it.
func (r *canonReader) int() int64 {
	if r.bad {
		return 0
	}
	j := r.i
	if j < len(r.b) && r.b[j] == '-' {
		j++
	}
	start := j
	for j < len(r.b) && r.b[j] >= '0' && r.b[j] <= '9' {
		j++
	}
	// Shortest form: no leading zero, no "-0".
	if j == start || (r.b[start] == '0' && (j-start > 1 || start > r.i)) {
		r.bad = true
		return 0
	}
	v, err := strconv.ParseInt(string(r.b[r.i:j]), 10, 64)
	if err != nil {
		r.bad = true
		return 0
	}
	r.i = j
	return v
}

// str reads a string with no escapes: valid UTF-8, no control character,
// no U+2028 or U+2029 (which the encoder escapes).
func (r *canonReader) str() string {
	s, ok := r.strBytes()
	if !ok {
		return ""
	}
	return string(s)
}

func (r *canonReader) strBytes() ([]byte, bool) {
	if r.bad || r.i >= len(r.b) || r.b[r.i] != '"' {
		r.bad = true
		return nil, false
	}
	j := r.i + 1
	ascii := true
	for ; j < len(r.b); j++ {
		c := r.b[j]
		if c == '"' {
			break
		}
		if c < 0x20 || c == '\\' {
			r.bad = true
			return nil, false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if j >= len(r.b) {
		r.bad = true
		return nil, false
	}
	s := r.b[r.i+1 : j]
	if !ascii && (!utf8.Valid(s) || bytes.Contains(s, []byte("\u2028")) || bytes.Contains(s, []byte("\u2029"))) {
		r.bad = true
		return nil, false
	}
	r.i = j + 1
	return s, true
}

// strs reads a non-empty array of strings.
func (r *canonReader) strs() []string {
	r.lit(`[`)
	var out []string
	for !r.bad {
		out = append(out, r.str())
		if !r.opt(`,`) {
			break
		}
	}
	r.lit(`]`)
	return out
}

// level reads a classification level by name.
func (r *canonReader) level() Level {
	s, ok := r.strBytes()
	if !ok {
		return 0
	}
	for i, n := range levelNames {
		if string(s) == n {
			return Level(i)
		}
	}
	r.bad = true
	return 0
}

// raw reads one JSON value, checked with json.Valid, and returns a copy.
func (r *canonReader) raw() json.RawMessage {
	if r.bad {
		return nil
	}
	end, err := skipValue(r.b, r.i, 0)
	if err != nil || !json.Valid(r.b[r.i:end]) || !noSpaceOutsideStrings(r.b[r.i:end]) {
		r.bad = true
		return nil
	}
	v := bytes.Clone(r.b[r.i:end])
	r.i = end
	return v
}

// decision reads a decision as appendDecision writes it.
func (r *canonReader) decision() *Decision {
	d := new(Decision)
	r.lit(`{"outcome":`)
	d.Outcome = Outcome(r.str())
	if r.opt(`,"reasons":`) {
		d.Reasons = r.strs()
	}
	if r.opt(`,"checks":[`) {
		for !r.bad {
			d.Checks = append(d.Checks, r.check())
			if !r.opt(`,`) {
				break
			}
		}
		r.lit(`]`)
	}
	if r.opt(`,"rule_pack":`) {
		if d.RulePack = r.str(); d.RulePack == "" {
			r.bad = true // the encoder leaves an empty rule pack out
		}
	}
	r.lit(`}`)
	return d
}

// check reads a check as appendCheck writes it; an optional member that is
// present is never empty.
func (r *canonReader) check() Check {
	var c Check
	r.lit(`{"rule":`)
	c.Rule = r.str()
	r.lit(`,"result":`)
	c.Result = CheckResult(r.str())
	for _, f := range [...]struct {
		name string
		v    *string
	}{{`,"reason":`, &c.Reason}, {`,"observed":`, &c.Observed}, {`,"limit":`, &c.Limit}} {
		if r.opt(f.name) {
			if *f.v = r.str(); *f.v == "" {
				r.bad = true
			}
		}
	}
	r.lit(`}`)
	return c
}
