package auditlog

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// Verify reads a whole log from r and checks every line's hash, that seq
// counts up from 1 without a gap and that every prev is the hash of the
// line before. It returns the number of lines and the last hash, or
// ErrCorrupt naming the first bad line.
func Verify(r io.Reader) (lines uint64, head string, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, MaxLine+1), MaxLine+1)
	head = GenesisHash
	for sc.Scan() {
		l, err := Decode(sc.Bytes())
		if err != nil {
			return lines, head, fmt.Errorf("line %d: %w", lines+1, err)
		}
		if l.Seq != lines+1 || l.Prev != head {
			return lines, head, fmt.Errorf("%w: line %d breaks the chain (seq %d)",
				ErrCorrupt, lines+1, l.Seq)
		}
		lines, head = l.Seq, l.Hash
	}
	if err := sc.Err(); err != nil {
		return lines, head, fmt.Errorf("%w: after line %d: %v", ErrCorrupt, lines, err)
	}
	return lines, head, nil
}

// VerifyFile checks the log file at path as Verify does, without writing
// to it. Bytes after the last newline, a torn last line left by a crash in
// the middle of a write, are not checked: their count is returned as torn
// (Open cuts them). It returns ErrCorrupt as Verify does, or when more than
// MaxLine bytes follow the last newline, and an error naming the file when
// it cannot be read.
func VerifyFile(path string) (lines uint64, torn int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("failed to open guard log: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, fmt.Errorf("failed to read guard log: %w", err)
	}
	return verifyWhole(f, fi.Size())
}

// verifyWhole is VerifyFile over the size bytes of r.
func verifyWhole(r io.ReaderAt, size int64) (lines uint64, torn int64, err error) {
	tail := make([]byte, min(size, MaxLine+1))
	if _, err := io.ReadFull(io.NewSectionReader(r, size-int64(len(tail)), size), tail); err != nil {
		return 0, 0, fmt.Errorf("failed to read guard log: %w", err)
	}
	torn = int64(len(tail) - (bytes.LastIndexByte(tail, '\n') + 1))
	if torn > MaxLine {
		return 0, torn, fmt.Errorf("%w: more than %d bytes after the last line", ErrCorrupt, MaxLine)
	}
	lines, _, err = Verify(io.NewSectionReader(r, 0, size-torn))
	return lines, torn, err
}

// hashHex returns the lower-case hex SHA-256 of b.
func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
