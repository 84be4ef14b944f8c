package guardlog

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Filter selects log lines. Every field is compared as a literal value:
// nothing in a filter is ever interpreted as a pattern or a query.
type Filter struct {
	Decision Decision `json:"decision"` // exact decision, or "" for any
	Stage    string   `json:"stage"`    // exact stage, or "" for any
	Text     string   `json:"text"`     // case-insensitive substring of stage, decision or reason
	From     uint64   `json:"from"`     // lowest batch sequence
	To       uint64   `json:"to"`       // highest batch sequence; 0 means no upper bound
}

// MaxTextSize is the longest filter value accepted, in bytes.
const MaxTextSize = 256

// ParseFilter reads a filter from the query parameters decision, stage,
// text, from and to. It returns an error naming the parameter that is
// malformed: an unknown decision, a value over MaxTextSize bytes or not
// valid UTF-8, or a batch sequence that is not a decimal number.
func ParseFilter(q url.Values) (Filter, error) {
	var f Filter
	for _, k := range []string{"decision", "stage", "text", "from", "to"} {
		if len(q.Get(k)) > MaxTextSize {
			return f, fmt.Errorf("parameter %s is over %d bytes", k, MaxTextSize)
		}
		if !utf8.ValidString(q.Get(k)) {
			return f, fmt.Errorf("parameter %s is not valid UTF-8", k)
		}
	}
	f.Decision = Decision(q.Get("decision"))
	if f.Decision != "" && !f.Decision.Valid() {
		return f, fmt.Errorf("parameter decision: unknown decision %q", f.Decision)
	}
	f.Stage, f.Text = q.Get("stage"), q.Get("text")
	var err error
	if f.From, err = seqParam(q, "from"); err != nil {
		return f, err
	}
	if f.To, err = seqParam(q, "to"); err != nil {
		return f, err
	}
	return f, nil
}

func seqParam(q url.Values, name string) (uint64, error) {
	s := strings.TrimSpace(q.Get(name))
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parameter %s: %q is not a batch sequence", name, s)
	}
	return v, nil
}

// Query returns the filter as query parameters, leaving out empty fields.
func (f Filter) Query() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("decision", string(f.Decision))
	set("stage", f.Stage)
	set("text", f.Text)
	if f.From > 0 {
		q.Set("from", strconv.FormatUint(f.From, 10))
	}
	if f.To > 0 {
		q.Set("to", strconv.FormatUint(f.To, 10))
	}
	return q
}

// Match reports whether l passes the filter.
func (f Filter) Match(l *Line) bool {
	switch {
	case f.Decision != "" && l.Decision != f.Decision:
		return false
	case f.Stage != "" && l.Stage != f.Stage:
		return false
	case l.BatchSeq < f.From:
		return false
	case f.To > 0 && l.BatchSeq > f.To:
		return false
	}
	if f.Text == "" {
		return true
	}
	t := strings.ToLower(f.Text)
	for _, s := range []string{l.Stage, string(l.Decision), l.Reason} {
		if strings.Contains(strings.ToLower(s), t) {
			return true
		}
	}
	return false
}
