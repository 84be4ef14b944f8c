package fix

import (
	"net"
	"strconv"
	"sync"
	"time"
)

// writeTimeout bounds one write to the peer.
const writeTimeout = 10 * time.Second

// link is one side of a FIX connection: it stamps the standard header on
// outgoing messages and numbers them. Safe for concurrent use.
type link struct {
	conn   net.Conn
	begin  string
	sender string // our CompID (49 on what we send)
	target string // the peer's CompID (56 on what we send)

	mu       sync.Mutex
	nextOut  int64
	lastSent time.Time
}

// send stamps m with the next MsgSeqNum and writes it.
func (l *link) send(m *Message) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	seq := l.nextOut
	if err := l.write(m, seq, false); err != nil {
		return 0, err
	}
	l.nextOut++
	return seq, nil
}

// sendAt writes m as a possible duplicate with MsgSeqNum seq, for
// SequenceReset-GapFill, without moving the outgoing counter.
func (l *link) sendAt(m *Message, seq int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.write(m, seq, true)
}

func (l *link) write(m *Message, seq int64, possDup bool) error {
	out := m.Clone()
	out.BeginString = l.begin
	header := []Field{
		{TagSenderCompID, l.sender},
		{TagTargetCompID, l.target},
		{TagMsgSeqNum, strconv.FormatInt(seq, 10)},
		{TagSendingTime, FormatTime(time.Now())},
	}
	if possDup {
		header = append(header, Field{TagPossDupFlag, "Y"})
	}
	out.Fields = append(header, stripHeader(out.Fields)...)
	b, err := out.Encode()
	if err != nil {
		return err
	}
	l.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := l.conn.Write(b); err != nil {
		return err
	}
	l.lastSent = time.Now()
	return nil
}

// idle returns how long ago the last message was sent.
func (l *link) idle() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Since(l.lastSent)
}

// sessionHeader lists standard-header tags the session layer owns; a
// message taken from elsewhere (a log) loses them before it is re-sent.
var sessionHeader = map[Tag]bool{
	TagSenderCompID: true, TagTargetCompID: true, TagMsgSeqNum: true,
	TagSendingTime: true, TagPossDupFlag: true, 57: true, 97: true,
	115: true, 116: true, 122: true, 128: true, 129: true,
}

func stripHeader(fields []Field) []Field {
	out := make([]Field, 0, len(fields))
	for _, f := range fields {
		if !sessionHeader[f.Tag] {
			out = append(out, f)
		}
	}
	return out
}
