package auditlog

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
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

// hashHex returns the lower-case hex SHA-256 of b.
func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
