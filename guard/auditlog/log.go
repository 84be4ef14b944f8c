package auditlog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
	"unicode/utf8"
)

// Log is an open guard log. It is safe for concurrent use.
type Log struct {
	mu   sync.Mutex
	f    *os.File
	seq  uint64
	prev string
	now  func() time.Time
	torn int64 // bytes of a torn last line cut at Open
}

// Open opens or creates the log at path (mode 0640) for appending. The
// last complete line is read to continue its seq and hash; a torn last
// line, left by a crash in the middle of a write, is cut off and the cut
// is recorded as the next line. It returns ErrCorrupt when the last
// complete line does not verify.
func Open(path string) (*Log, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("failed to open guard log: %w", err)
	}
	l := &Log{f: f, prev: GenesisHash, now: time.Now}
	if err := l.resume(); err != nil {
		f.Close()
		return nil, err
	}
	if l.torn > 0 {
		reason := fmt.Sprintf("cut %d bytes of a torn last line at open", l.torn)
		if err := l.Append(Record{Stage: "guard", Decision: Event, Reason: reason}); err != nil {
			f.Close()
			return nil, err
		}
	}
	return l, nil
}

// resume reads the tail of the file, cuts a torn line and sets seq and prev.
func (l *Log) resume() error {
	size, err := l.f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("failed to read guard log: %w", err)
	}
	tail := min(size, 2*MaxLine)
	buf := make([]byte, tail)
	if _, err := l.f.ReadAt(buf, size-tail); err != nil {
		return fmt.Errorf("failed to read guard log: %w", err)
	}
	if keep := bytes.LastIndexByte(buf, '\n') + 1; keep < len(buf) {
		if len(buf)-keep > MaxLine {
			return fmt.Errorf("%w: %d bytes after the last line", ErrCorrupt, len(buf)-keep)
		}
		l.torn = int64(len(buf) - keep)
		if err := l.f.Truncate(size - l.torn); err != nil {
			return fmt.Errorf("failed to cut torn guard log line: %w", err)
		}
		buf, size = buf[:keep], size-l.torn
	}
	if _, err := l.f.Seek(size, io.SeekStart); err != nil {
		return fmt.Errorf("failed to read guard log: %w", err)
	}
	if len(buf) == 0 {
		return nil
	}
	lines := bytes.Split(bytes.TrimSuffix(buf, []byte("\n")), []byte("\n"))
	last, err := Decode(lines[len(lines)-1])
	if err != nil {
		return err
	}
	l.seq, l.prev = last.Seq, last.Hash
	return nil
}

// Append writes one line for r and syncs the file. It returns ErrClosed
// after Close, or the write or sync error; after an error the log must be
// closed, since the chain state on disk is unknown.
func (l *Log) Append(r Record) error {
	return l.AppendAll([]Record{r})
}

// AppendAll writes one line per record in order with a single sync at the
// end, so the records of one batch reach stable storage together.
func (l *Log) AppendAll(rs []Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return ErrClosed
	}
	var buf bytes.Buffer
	seq, prev := l.seq, l.prev
	for _, r := range rs {
		seq++
		line := Line{Time: l.now().UTC(), Seq: seq, BatchSeq: r.BatchSeq, Stage: r.Stage,
			Decision: r.Decision, Reason: clip(r.Reason), LedgerFirst: r.LedgerFirst,
			LedgerSize: r.LedgerSize, Prev: prev}
		buf.Write(encode(&line))
		buf.WriteByte('\n')
		prev = line.Hash
	}
	if _, err := l.f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("failed to write guard log: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("failed to sync guard log: %w", err)
	}
	l.seq, l.prev = seq, prev
	return nil
}

// Head returns the seq and hash of the last line (0 and GenesisHash for an
// empty log).
func (l *Log) Head() (uint64, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seq, l.prev
}

// Size returns the length of the log in bytes: whole lines only, since
// lines are written under the same lock. It returns ErrClosed after Close.
func (l *Log) Size() (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return 0, ErrClosed
	}
	fi, err := l.f.Stat()
	if err != nil {
		return 0, fmt.Errorf("failed to read guard log size: %w", err)
	}
	return fi.Size(), nil
}

// Close closes the file. Further Appends return ErrClosed.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// clip cuts s to maxReason bytes on a rune boundary.
func clip(s string) string {
	if len(s) <= maxReason {
		return s
	}
	s = s[:maxReason-len("…")]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// Decode parses one line (without its newline) and checks its own hash.
// It returns ErrCorrupt for a line that does not decode, has unknown
// fields or a hash that does not match.
func Decode(b []byte) (Line, error) {
	var l Line
	i := bytes.LastIndex(b, []byte(hashMarker))
	if i < 0 || len(b) > MaxLine {
		return l, fmt.Errorf("%w: line without hash", ErrCorrupt)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil || dec.More() {
		return l, fmt.Errorf("%w: undecodable line: %v", ErrCorrupt, err)
	}
	if want := hashHex(b[:i]); l.Hash != want {
		return l, fmt.Errorf("%w: line %d hash does not match", ErrCorrupt, l.Seq)
	}
	return l, nil
}
