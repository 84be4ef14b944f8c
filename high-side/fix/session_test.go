package fix

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rawClient speaks FIX by hand so tests can send what an Initiator never
// would.
type rawClient struct {
	t      *testing.T
	conn   net.Conn
	r      *Reader
	begin  string
	sender string
}

func dialRaw(t *testing.T, addr, sender, begin string) *rawClient {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawClient{t: t, conn: conn, r: NewReader(conn), begin: begin, sender: sender}
}

// send writes m with the given header values.
func (c *rawClient) send(m *Message, seq int64, target string) {
	c.t.Helper()
	out := m.Clone()
	out.Fields = append([]Field{{TagSenderCompID, c.sender}, {TagTargetCompID, target},
		{TagMsgSeqNum, strconv.FormatInt(seq, 10)}, {TagSendingTime, FormatTime(time.Now())}}, out.Fields...)
	b, err := out.Encode()
	if err != nil {
		c.t.Fatal(err)
	}
	c.write(b)
}

func (c *rawClient) write(b []byte) {
	c.t.Helper()
	if _, err := c.conn.Write(b); err != nil {
		c.t.Fatal(err)
	}
}

func (c *rawClient) read() *Message {
	c.t.Helper()
	m, _, err := c.r.Read()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return m
}

// expect reads one message and checks its type and, when given, a
// substring of its Text.
func (c *rawClient) expect(msgType, text string) *Message {
	c.t.Helper()
	m := c.read()
	got, _ := m.Get(TagText)
	if m.MsgType != msgType || !strings.Contains(got, text) {
		c.t.Fatalf("got %s %q, want %s containing %q", m.MsgType, got, msgType, text)
	}
	return m
}

func (c *rawClient) expectClosed() {
	c.t.Helper()
	if m, _, err := c.r.Read(); !errors.Is(err, io.EOF) {
		c.t.Fatalf("got %v, %v; want the connection closed", m, err)
	}
}

func (c *rawClient) logon(hb int, reset bool) {
	c.t.Helper()
	c.send(NewLogon(c.begin, hb, reset), 1, acceptorID)
	c.expect(MsgLogon, "")
}

func TestLogonRefused(t *testing.T) {
	addr, _ := startAcceptor(t)
	tests := []struct {
		name   string
		sender string
		begin  string
		target string
		logon  *Message
		seq    int64
		text   string
	}{
		{"unknown sender", "EVE", FIX44, acceptorID, NewLogon(FIX44, 30, true), 1, `unknown SenderCompID "EVE"`},
		{"wrong target", "DESK1", FIX44, "OTHER", NewLogon(FIX44, 30, true), 1, `unknown TargetCompID "OTHER"`},
		{"wrong version", "DESK1", FIX42, acceptorID, NewLogon(FIX42, 30, true), 1, "session is configured for FIX.4.4"},
		{"heartbeat zero", "DESK1", FIX44, acceptorID, NewLogon(FIX44, 0, true), 1, "HeartBtInt (108) must be 1 to 300"},
		{"heartbeat huge", "DESK1", FIX44, acceptorID, NewLogon(FIX44, 301, true), 1, "HeartBtInt (108) must be 1 to 300"},
		{"encryption", "DESK1", FIX44, acceptorID, NewLogon(FIX44, 30, true).Set(TagEncryptMethod, "1"), 1, "EncryptMethod (98)"},
		{"sequence without reset", "DESK1", FIX44, acceptorID, NewLogon(FIX44, 30, false), 7, "MsgSeqNum 7 on Logon, expecting 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, addr, tt.sender, tt.begin)
			c.send(tt.logon, tt.seq, tt.target)
			c.expect(MsgLogout, tt.text)
			c.expectClosed()
		})
	}
}

func TestFirstMessageNotLogon(t *testing.T) {
	addr, _ := startAcceptor(t)
	c := dialRaw(t, addr, "DESK1", FIX44)
	c.send(NewHeartbeat(FIX44, ""), 1, acceptorID)
	c.expectClosed()
}

func TestLogonTwice(t *testing.T) {
	addr, _ := startAcceptor(t)
	first := dialRaw(t, addr, "DESK1", FIX44)
	first.logon(30, true)
	second := dialRaw(t, addr, "DESK1", FIX44)
	second.send(NewLogon(FIX44, 30, true), 1, acceptorID)
	second.expect(MsgLogout, "session already logged on")
	// The first session is untouched.
	first.send(NewTestRequest(FIX44, "still-there"), 2, acceptorID)
	if id, _ := first.expect(MsgHeartbeat, "").Get(TagTestReqID); id != "still-there" {
		t.Fatalf("got TestReqID %q, want still-there", id)
	}
}

func TestSequenceNumbers(t *testing.T) {
	tests := []struct {
		name string
		seq  int64
		poss bool
		want string // Logout text; "" means the session continues
	}{
		{"in order", 2, false, ""},
		{"too high", 5, false, "MsgSeqNum too high, expecting 2 but received 5"},
		{"too low", 1, false, "MsgSeqNum too low, expecting 2 but received 1"},
		{"too low possible duplicate", 1, true, ""},
	}
	addr, _ := startAcceptor(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, addr, "DESK1", FIX44)
			c.logon(30, true)
			m := NewHeartbeat(FIX44, "")
			if tt.poss {
				m.Add(TagPossDupFlag, "Y")
			}
			c.send(m, tt.seq, acceptorID)
			if tt.want != "" {
				c.expect(MsgLogout, tt.want)
				c.expectClosed()
				return
			}
			next := max(tt.seq+1, 2)
			c.send(NewTestRequest(FIX44, "probe"), next, acceptorID)
			c.expect(MsgHeartbeat, "")
			c.send(NewLogout(FIX44, ""), next+1, acceptorID)
			c.expect(MsgLogout, "")
		})
	}
}

func TestSequenceKeptAcrossLogons(t *testing.T) {
	addr, _ := startAcceptor(t)
	c := dialRaw(t, addr, "DESK1", FIX44)
	c.logon(30, true)
	c.send(NewLogout(FIX44, ""), 2, acceptorID)
	if seq, _ := c.expect(MsgLogout, "").Int(TagMsgSeqNum); seq != 2 {
		t.Fatalf("got Logout MsgSeqNum %d, want 2", seq)
	}
	c = dialRaw(t, addr, "DESK1", FIX44)
	c.send(NewLogon(FIX44, 30, false), 3, acceptorID)
	if seq, _ := c.expect(MsgLogon, "").Int(TagMsgSeqNum); seq != 3 {
		t.Fatalf("got Logon reply MsgSeqNum %d, want 3", seq)
	}
}

func TestGarbledMessageIgnored(t *testing.T) {
	addr, _ := startAcceptor(t)
	c := dialRaw(t, addr, "DESK1", FIX44)
	c.logon(30, true)
	m := NewTestRequest(FIX44, "bad")
	m.Fields = append([]Field{{TagSenderCompID, "DESK1"}, {TagTargetCompID, acceptorID}, {TagMsgSeqNum, "2"}, {TagSendingTime, FormatTime(time.Now())}}, m.Fields...)
	b, _ := m.Encode()
	b[len(b)-2]++ // CheckSum off by one
	c.write(b)
	c.send(NewTestRequest(FIX44, "good"), 2, acceptorID)
	if id, _ := c.expect(MsgHeartbeat, "").Get(TagTestReqID); id != "good" {
		t.Fatalf("got TestReqID %q, want good (the garbled request ignored)", id)
	}
}

func TestFramingErrorEndsSession(t *testing.T) {
	addr, _ := startAcceptor(t)
	c := dialRaw(t, addr, "DESK1", FIX44)
	c.logon(30, true)
	c.write(sohs("8=FIX.4.4|9=5|35=0|34=2|10=000|"))
	c.expect(MsgLogout, "cannot frame message")
	c.expectClosed()
}

func TestCompIDChangeEndsSession(t *testing.T) {
	addr, _ := startAcceptor(t)
	c := dialRaw(t, addr, "DESK1", FIX44)
	c.logon(30, true)
	c.send(NewHeartbeat(FIX44, ""), 2, "SOMEONE")
	if tag, _ := c.expect(MsgReject, "").Get(TagRefTagID); tag != "56" {
		t.Fatalf("got RefTagID %q, want 56", tag)
	}
	c.expect(MsgLogout, "CompID problem")
}

func TestUnsupportedMsgTypeRejected(t *testing.T) {
	addr, _ := startAcceptor(t)
	c := dialRaw(t, addr, "DESK1", FIX44)
	c.logon(30, true)
	c.send(NewMessage(FIX44, "V").Add(262, "1"), 2, acceptorID)
	if r, _ := c.expect(MsgReject, "unsupported MsgType").Get(TagSessionRejectReason); r != "11" {
		t.Fatalf("got SessionRejectReason %q, want 11", r)
	}
}

func TestResendRequestGapFilled(t *testing.T) {
	addr, _ := startAcceptor(t)
	c := dialRaw(t, addr, "DESK1", FIX44)
	c.logon(30, true)
	c.send(NewMessage(FIX44, MsgResendRequest).Add(TagBeginSeqNo, "1").Add(TagEndSeqNo, "0"), 2, acceptorID)
	m := c.expect(MsgSequenceReset, "")
	seq, _ := m.Int(TagMsgSeqNum)
	next, _ := m.Int(TagNewSeqNo)
	if flag, _ := m.Get(TagGapFillFlag); seq != 1 || next != 2 || flag != "Y" || !possDup(m) {
		t.Fatalf("got MsgSeqNum %d NewSeqNo %d GapFill %q, want 1, 2, Y with PossDup", seq, next, flag)
	}
}

// TestHeartbeatTimeout waits for real heartbeats: about 2.4 s with the
// shortest interval FIX allows.
func TestHeartbeatTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for two heartbeat intervals")
	}
	addr, _ := startAcceptor(t)
	c := dialRaw(t, addr, "DESK1", FIX44)
	c.logon(1, true)
	var types []string
	for {
		m := c.read()
		types = append(types, m.MsgType)
		if m.MsgType == MsgLogout {
			if text, _ := m.Get(TagText); text != "heartbeat timeout" {
				t.Fatalf("got Logout %q, want heartbeat timeout", text)
			}
			break
		}
	}
	if !strings.Contains(strings.Join(types, ""), MsgTestRequest) {
		t.Fatalf("got %v, want a TestRequest before the Logout", types)
	}
}

// TestLogonAfterDrop: a counterparty that drops its connection without a
// Logout and logs on again at once is let in, even when its new Logon
// arrives before the acceptor has read the end of the old connection.
// Many rounds, because that order of events is a matter of scheduling.
func TestLogonAfterDrop(t *testing.T) {
	addr, _ := startAcceptor(t)
	for i := range 50 {
		c := dialRaw(t, addr, "DESK1", FIX44)
		c.send(NewLogon(FIX44, 30, true), 1, acceptorID)
		if m := c.read(); m.MsgType != MsgLogon {
			text, _ := m.Get(TagText)
			t.Fatalf("round %d: got %s %q, want Logon (A) for a CompID whose connection is gone", i, m.MsgType, text)
		}
		c.conn.Close()
	}
}

// TestRefusalLoggedBeforeLogout: by the time a counterparty reads the
// Logout refusing its Logon, the refusal is in the acceptor's log.
func TestRefusalLoggedBeforeLogout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	a := NewAcceptor(AcceptorConfig{CompID: acceptorID, Sessions: testSessions}, newFakeSubmitter(),
		slog.New(slog.NewTextHandler(logs, nil)))
	go a.Serve(ln)
	defer a.Close()
	for i := range 50 {
		sender := "EVE" + strconv.Itoa(i)
		c := dialRaw(t, ln.Addr().String(), sender, FIX44)
		c.send(NewLogon(FIX44, 30, true), 1, acceptorID)
		c.expect(MsgLogout, "unknown SenderCompID")
		if l := logs.String(); !strings.Contains(l, `unknown SenderCompID \"`+sender+`\"`) {
			t.Fatalf("round %d: Logout read before the refusal of %s was logged:\n%s", i, sender, l)
		}
		c.conn.Close()
	}
}
