package fix

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
)

// MaxLogSize is the largest log ReadLog reads, in bytes.
const MaxLogSize = 64 << 20

// LogMessage is one message recovered from a log.
type LogMessage struct {
	Line    int      // 1-based line where the message starts
	Message *Message // the parsed message
	Raw     []byte   // the message with SOH delimiters, as parsed
}

// LogSkip is a message-like span of a log that did not parse.
type LogSkip struct {
	Line   int    // 1-based line where the span starts
	Reason string // what was wrong, naming the tag
	Raw    []byte // the span with SOH delimiters, when it could be framed
}

// LogResult is what ReadLog found in one log. Text around messages is
// ignored and not counted; every span starting with "8=FIX" is either a
// message or a skip.
type LogResult struct {
	Messages []LogMessage
	Skipped  []LogSkip
}

// ReadLogFile reads the log at path with ReadLog.
func ReadLogFile(path string) (LogResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return LogResult{}, fmt.Errorf("failed to open FIX log: %w", err)
	}
	defer f.Close()
	res, err := ReadLog(f)
	if err != nil {
		return res, fmt.Errorf("%s: %w", path, err)
	}
	return res, nil
}

// ReadLog extracts FIX messages from a log in which they may be wrapped in
// other text, delimited by '|' or NUL in place of SOH (the byte after the
// BeginString value decides), split over several lines (line breaks are
// dropped while a message is being read) or missing the final delimiter.
// Every message must then pass Parse: a message with a wrong BodyLength or
// CheckSum is skipped with the reason. It returns an error only when
// reading fails or the log exceeds MaxLogSize.
func ReadLog(r io.Reader) (LogResult, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxLogSize+1))
	if err != nil {
		return LogResult{}, fmt.Errorf("failed to read FIX log: %w", err)
	}
	if len(data) > MaxLogSize {
		return LogResult{}, fmt.Errorf("FIX log larger than %d bytes", MaxLogSize)
	}
	text := joinLines(data)
	var res LogResult
	for p := 0; ; {
		k := bytes.Index(text.b[p:], []byte("8=FIX"))
		if k < 0 {
			return res, nil
		}
		p += k
		raw, end, reason := frameLogged(text.b, p)
		if reason == "" {
			m, err := Parse(raw)
			if err == nil {
				res.Messages = append(res.Messages, LogMessage{Line: text.line(p), Message: m, Raw: raw})
				p = end
				continue
			}
			reason = err.Error()
		}
		res.Skipped = append(res.Skipped, LogSkip{Line: text.line(p), Reason: reason, Raw: raw})
		p++
	}
}

// joined is a log with its line breaks removed and a map back to lines.
type joined struct {
	b      []byte
	breaks []int // offsets in b where a new line starts
}

func joinLines(data []byte) joined {
	j := joined{b: make([]byte, 0, len(data))}
	for _, c := range data {
		switch c {
		case '\n':
			j.breaks = append(j.breaks, len(j.b))
		case '\r':
		default:
			j.b = append(j.b, c)
		}
	}
	return j
}

// line returns the 1-based line of offset p.
func (j joined) line(p int) int {
	return 1 + sort.Search(len(j.breaks), func(i int) bool { return j.breaks[i] > p })
}

// frameLogged cuts the message starting at p using BodyLength. It returns
// the message with SOH delimiters, the offset after it, or a reason.
func frameLogged(b []byte, p int) ([]byte, int, string) {
	i := p + 2
	for i < len(b) && i-p < 16 && !isDelimiter(b[i]) {
		i++
	}
	if i >= len(b) || !isDelimiter(b[i]) {
		return nil, 0, "tag 8 (BeginString): not followed by a delimiter"
	}
	delim := b[i]
	n, start, ok := loggedLength(b, i+1, delim)
	if !ok {
		return nil, 0, "tag 9 (BodyLength): missing or malformed after BeginString"
	}
	end := start + n
	if end+6 > len(b) || !bytes.HasPrefix(b[end:], []byte("10=")) {
		return nil, 0, bodyLengthReason(b, start, n, delim)
	}
	raw := append(bytes.Clone(b[p:end+6]), delim)
	if delim != soh {
		raw = bytes.ReplaceAll(raw, []byte{delim}, []byte{soh})
	}
	next := end + 6
	if next < len(b) && b[next] == delim {
		next++
	}
	return raw, next, ""
}

func isDelimiter(c byte) bool { return c == soh || c == '|' || c == 0 }

// loggedLength reads "9=<digits><delim>" at i.
func loggedLength(b []byte, i int, delim byte) (int, int, bool) {
	if !bytes.HasPrefix(b[i:], []byte("9=")) {
		return 0, 0, false
	}
	j := i + 2
	for j < len(b) && j-i < 9 && b[j] != delim {
		j++
	}
	if j >= len(b) || b[j] != delim {
		return 0, 0, false
	}
	n, ok := parseUint(string(b[i+2 : j]))
	if !ok || n > MaxMessageSize {
		return 0, 0, false
	}
	return int(n), j + 1, true
}

// bodyLengthReason explains a CheckSum field that is not where BodyLength
// says, giving the real body length when a CheckSum field follows.
func bodyLengthReason(b []byte, start, n int, delim byte) string {
	limit := min(len(b), start+MaxMessageSize)
	k := bytes.Index(b[start:limit], []byte{delim, '1', '0', '='})
	if k < 0 {
		return "tag 10 (CheckSum): not found after the body"
	}
	return fmt.Sprintf("%v: tag 9 (BodyLength): declared %d, body is %d bytes", ErrBodyLength, n, k+1)
}
