package fix

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// ErrFraming is returned by Reader.Read when the stream cannot be cut into
// messages: a missing BeginString or BodyLength, or no CheckSum where the
// BodyLength says it is. The stream is then out of step and the session
// must end.
var ErrFraming = errors.New("cannot frame message")

// Reader cuts a byte stream (a TCP connection) into messages using
// BodyLength, as FIX 4.4 Vol.2 "Message Format" prescribes.
type Reader struct {
	r *bufio.Reader
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 8<<10)}
}

// Read returns the next message and its raw bytes. An error wrapping
// ErrFraming or an I/O error means the stream is unusable; any other error
// (a garbled message: wrong CheckSum, malformed field) leaves the stream
// in step, and the caller may ignore the message and read on.
func (r *Reader) Read() (*Message, []byte, error) {
	raw, err := r.frame()
	if err != nil {
		return nil, raw, err
	}
	m, err := Parse(raw)
	return m, raw, err
}

func (r *Reader) frame() ([]byte, error) {
	begin, err := r.prefixed("8=", 16)
	if err != nil {
		return nil, err
	}
	length, err := r.prefixed("9=", 8)
	if err != nil {
		return nil, err
	}
	n, ok := parseUint(string(length[2 : len(length)-1]))
	if !ok || n > MaxMessageSize {
		return nil, fmt.Errorf("%w: tag %v: bad value %q", ErrFraming, TagBodyLength, clip(length))
	}
	rest := make([]byte, int(n)+7)
	if _, err := io.ReadFull(r.r, rest); err != nil {
		return nil, fmt.Errorf("failed to read message body: %w", err)
	}
	trailer := rest[n:]
	if !bytes.HasPrefix(trailer, []byte("10=")) || trailer[6] != soh {
		return nil, fmt.Errorf("%w: tag %v: no CheckSum (10) after %d body bytes", ErrFraming, TagBodyLength, n)
	}
	return append(append(begin, length...), rest...), nil
}

// prefixed reads one field that must start with prefix, SOH included,
// in at most max bytes.
func (r *Reader) prefixed(prefix string, max int) ([]byte, error) {
	var b []byte
	for len(b) < max {
		c, err := r.r.ReadByte()
		if err != nil {
			if len(b) == 0 && prefix == "8=" {
				return nil, err
			}
			return nil, fmt.Errorf("failed to read field %q: %w", prefix, unexpected(err))
		}
		b = append(b, c)
		if len(b) <= len(prefix) && c != prefix[len(b)-1] {
			return nil, fmt.Errorf("%w: expected field %q, got %q", ErrFraming, prefix, clip(b))
		}
		if c == soh {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w: field %q longer than %d bytes", ErrFraming, prefix, max)
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
