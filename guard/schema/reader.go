package schema

import (
	"bastion/shared/entry"
)

// reader reads an entry in its canonical encoding. Every method returns
// false at the first byte that differs from that encoding.
type reader struct {
	b []byte
	i int
}

// lit consumes s.
func (r *reader) lit(s string) bool {
	if len(r.b)-r.i < len(s) || string(r.b[r.i:r.i+len(s)]) != s {
		return false
	}
	r.i += len(s)
	return true
}

// str reads a string whose every character encoding/json writes as it is:
// printable ASCII other than '"' and '\'. Anything else (an escape,
// non-ASCII text) is left to entry.Parse.
func (r *reader) str() ([]byte, bool) {
	if !r.lit(`"`) {
		return nil, false
	}
	start := r.i
	for ; r.i < len(r.b); r.i++ {
		switch c := r.b[r.i]; {
		case c == '"':
			r.i++
			return r.b[start : r.i-1], true
		case c < 0x20 || c > 0x7e || c == '\\':
			return nil, false
		}
	}
	return nil, false
}

// int reads an integer as strconv.FormatInt writes it.
func (r *reader) int() (int64, bool) {
	neg := r.i < len(r.b) && r.b[r.i] == '-'
	if neg {
		r.i++
	}
	start := r.i
	var n uint64
	for ; r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9'; r.i++ {
		if n > (1<<63)/10 {
			return 0, false
		}
		n = n*10 + uint64(r.b[r.i]-'0')
	}
	digits := r.i - start
	switch {
	case digits == 0, digits > 1 && r.b[start] == '0', neg && n == 0:
		return 0, false
	case !neg && n > 1<<63-1, neg && n > 1<<63:
		return 0, false
	case neg:
		return -int64(n-1) - 1, true
	}
	return int64(n), true
}

// object reads an object with fields in order; an omitempty field may be
// absent but, when present, is not empty (the check functions see to it).
func (r *reader) object(fields []field) bool {
	if !r.lit("{") {
		return false
	}
	for i, f := range fields {
		key := `,"` + f.name + `":`
		if i == 0 {
			key = key[1:]
		}
		if !r.lit(key) {
			if f.omitempty {
				continue
			}
			return false
		}
		if !f.read(r) {
			return false
		}
	}
	return r.lit("}")
}

// envelope reads the whole entry and returns its label.
func (r *reader) envelope() (entry.Label, bool) {
	var l entry.Label
	var typ []byte
	ok := r.lit(`{"v":`) && r.intIs(func(n int64) bool { return n == entry.Version }) &&
		r.lit(`,"type":`) && r.strInto(&typ) &&
		r.lit(`,"id":`) && str(validID)(r) &&
		r.lit(`,"time_ns":`) && r.intIs(func(n int64) bool { return n > 0 }) &&
		r.lit(`,"actor":`) && str(validID)(r) &&
		r.lit(`,"label":`) && r.label(&l) &&
		r.lit(`,"body":`)
	if !ok {
		return l, false
	}
	b, known := bodies[entry.Type(typ)]
	if !known || !b.ok || !r.object(b.fields) {
		return l, false
	}
	if r.lit(`,"decision":`) && !r.decision() {
		return l, false
	}
	return l, r.lit("}")
}

func (r *reader) intIs(check func(int64) bool) bool {
	n, ok := r.int()
	return ok && check(n)
}

func (r *reader) strInto(dst *[]byte) bool {
	s, ok := r.str()
	*dst = s
	return ok
}

// label reads a label and checks it with entry.Label.Validate.
func (r *reader) label(l *entry.Label) bool {
	if !r.lit(`{"level":`) {
		return false
	}
	name, ok := r.str()
	if l.Level, ok = levels[string(name)]; !ok {
		return false
	}
	if r.lit(`,"compartments":`) {
		if l.Compartments, ok = r.strings(); !ok {
			return false
		}
	}
	return r.lit("}") && l.Validate() == nil
}

// strings reads a non-empty array of strings (an empty one is omitted in
// the canonical encoding).
func (r *reader) strings() ([]string, bool) {
	if !r.lit("[") {
		return nil, false
	}
	var out []string
	for {
		s, ok := r.str()
		if !ok {
			return nil, false
		}
		out = append(out, string(s))
		if r.lit("]") {
			return out, true
		}
		if !r.lit(",") {
			return nil, false
		}
	}
}

// decision reads a decision and checks it with entry.Decision.Validate.
func (r *reader) decision() bool {
	var d entry.Decision
	var outcome []byte
	if !r.lit(`{"outcome":`) || !r.strInto(&outcome) {
		return false
	}
	d.Outcome = entry.Outcome(outcome)
	ok := true
	if r.lit(`,"reasons":`) {
		if d.Reasons, ok = r.strings(); !ok {
			return false
		}
	}
	if r.lit(`,"checks":`) {
		if d.Checks, ok = r.checks(); !ok {
			return false
		}
	}
	if r.lit(`,"rule_pack":`) && !r.nonEmpty(&d.RulePack) {
		return false
	}
	return r.lit("}") && d.Validate() == nil
}

// checks reads a non-empty array of checks.
func (r *reader) checks() ([]entry.Check, bool) {
	if !r.lit("[") {
		return nil, false
	}
	var out []entry.Check
	for {
		c, ok := r.check()
		if !ok {
			return nil, false
		}
		out = append(out, c)
		if r.lit("]") {
			return out, true
		}
		if !r.lit(",") {
			return nil, false
		}
	}
}

// check reads one check; Decision.Validate checks its values.
func (r *reader) check() (entry.Check, bool) {
	var c entry.Check
	var rule, result []byte
	if !r.lit(`{"rule":`) || !r.strInto(&rule) || !r.lit(`,"result":`) || !r.strInto(&result) {
		return c, false
	}
	c.Rule, c.Result = string(rule), entry.CheckResult(result)
	for _, f := range [...]struct {
		key string
		dst *string
	}{{`,"reason":`, &c.Reason}, {`,"observed":`, &c.Observed}, {`,"limit":`, &c.Limit}} {
		if r.lit(f.key) && !r.nonEmpty(f.dst) {
			return c, false
		}
	}
	return c, r.lit("}")
}

// nonEmpty reads an omitempty string, which is present only when not
// empty.
func (r *reader) nonEmpty(dst *string) bool {
	s, ok := r.str()
	*dst = string(s)
	return ok && len(s) > 0
}
