package guardlog

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
)

// DefaultRetain is how many recent lines a Log keeps for queries when
// New is given no other number.
const DefaultRetain = 100_000

// readChunk bounds the bytes one Refresh reads, so a huge backlog is taken
// in steps.
const readChunk = 32 << 20

// Fault is a log line that failed to parse or broke the chain.
type Fault struct {
	Line uint64 `json:"line"` // line number in the file, from 1
	Err  string `json:"error"`
}

// Log follows a guard log file as it grows. Lines are read by Refresh;
// the newest lines (up to the retain count) are kept for Query, and every
// line read counts towards Health. Its methods are safe for concurrent
// use.
type Log struct {
	path   string
	retain int

	mu sync.Mutex
	readState
}

// readState is everything a Log learns from its file.
type readState struct {
	offset   int64  // bytes of the file consumed
	partial  []byte // an unterminated last line
	skipping bool   // discarding the rest of an over-long line
	fileLine uint64 // lines consumed, good or bad
	lines    []Line // retained lines, oldest first
	last     *Line  // last good line, for the chain check
	health   tracker
}

// New returns a Log over the file at path that keeps the newest retain
// lines for queries (DefaultRetain if retain is not positive). Nothing is
// read until Refresh.
func New(path string, retain int) *Log {
	if retain <= 0 {
		retain = DefaultRetain
	}
	return &Log{path: path, retain: retain, readState: readState{health: newTracker()}}
}

// Refresh reads the lines appended since the last call. A file that
// shrank was replaced: it is read again from the start. A missing file is
// an error and changes nothing.
func (l *Log) Refresh() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := os.Open(l.path)
	if err != nil {
		return fmt.Errorf("failed to open guard log: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("failed to stat guard log: %w", err)
	}
	if st.Size() < l.offset {
		l.reset()
	}
	if st.Size() == l.offset {
		return nil
	}
	buf := make([]byte, min(st.Size()-l.offset, readChunk))
	n, err := f.ReadAt(buf, l.offset)
	if err != nil && err != io.EOF {
		return fmt.Errorf("failed to read guard log: %w", err)
	}
	l.offset += int64(n)
	l.consume(buf[:n])
	return nil
}

// reset forgets everything read.
func (l *Log) reset() {
	l.readState = readState{health: newTracker()}
}

// consume splits data into lines, keeping an unterminated tail.
func (l *Log) consume(data []byte) {
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			l.hold(data)
			return
		}
		chunk := data[:i]
		data = data[i+1:]
		if l.skipping {
			l.skipping = false
			continue
		}
		line := append(l.partial, chunk...)
		l.partial = nil
		l.fileLine++
		l.add(line)
	}
}

// hold keeps an unterminated line, or starts skipping it when it is
// already over MaxLineSize.
func (l *Log) hold(data []byte) {
	if l.skipping {
		return
	}
	l.partial = append(l.partial, data...)
	if len(l.partial) > MaxLineSize {
		l.fileLine++
		l.health.fault(Fault{Line: l.fileLine, Err: fmt.Sprintf("line over %d bytes", MaxLineSize)})
		l.partial, l.skipping = nil, true
	}
}

// add parses one complete line, checks the chain and records it.
func (l *Log) add(raw []byte) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return
	}
	ln, err := ParseLine(raw)
	if err != nil {
		l.health.fault(Fault{Line: l.fileLine, Err: err.Error()})
		return
	}
	wantSeq, wantPrev := uint64(1), GenesisHash
	if p := l.last; p != nil {
		wantSeq, wantPrev = p.Seq+1, p.Hash
	}
	if ln.Seq != wantSeq || ln.Prev != wantPrev {
		l.health.fault(Fault{Line: l.fileLine, Err: fmt.Sprintf(
			"chain broken: seq %d where %d was due, or prev is not the hash of the line before", ln.Seq, wantSeq)})
	}
	l.last = &ln
	l.health.record(&ln)
	l.lines = append(l.lines, ln)
	if len(l.lines) > l.retain+l.retain/4 {
		l.lines = append([]Line(nil), l.lines[len(l.lines)-l.retain:]...)
	}
}

// Query returns up to limit retained lines that pass f, newest first.
func (l *Log) Query(f Filter, limit int) []Line {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []Line{}
	start := max(0, len(l.lines)-l.retain)
	for i := len(l.lines) - 1; i >= start && len(out) < limit; i-- {
		if f.Match(&l.lines[i]) {
			out = append(out, l.lines[i])
		}
	}
	return out
}

// Health returns the link health seen in every line read so far.
func (l *Log) Health() Health {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.health.snapshot()
}
