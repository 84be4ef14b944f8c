package fix

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"time"
)

// Bounds on the HeartBtInt (108) a counterparty may ask for, in seconds.
const (
	minHeartBtInt = 1
	maxHeartBtInt = 300
)

// session is one logged-on connection of the acceptor.
type session struct {
	a      *Acceptor
	st     *sessionState
	link   *link
	logger *slog.Logger
	hb     time.Duration
	nextIn int64

	lastRecv  time.Time
	testReqID string
	testSent  time.Time
	tests     int
	released  bool
}

type inbound struct {
	m   *Message
	err error
}

// serveConn runs one connection: Logon, then the session loop.
func (a *Acceptor) serveConn(conn net.Conn) {
	logger := a.logger.With(slog.String("remote", conn.RemoteAddr().String()))
	r := NewReader(conn)
	conn.SetReadDeadline(time.Now().Add(a.cfg.LogonTimeout))
	m, _, err := r.Read()
	if err != nil {
		logger.Warn("fix connection closed before logon", slog.Any("err", err))
		return
	}
	if cn, ok := peerCommonName(conn); ok {
		logger = logger.With(slog.String("cert_cn", cn))
	}
	s := a.logon(conn, m, logger)
	if s == nil {
		return
	}
	defer a.release(s)
	conn.SetReadDeadline(time.Time{})
	s.logger.Info("fix session logged on", slog.Duration("heartbeat", s.hb))
	s.run(conn, r)
	s.logger.Info("fix session ended")
}

// release hands the sequence numbers back to the session state and frees
// the CompID for the next Logon, once.
func (a *Acceptor) release(s *session) {
	if s.released {
		return
	}
	s.released = true
	s.link.mu.Lock()
	nextOut := s.link.nextOut
	s.link.mu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	s.st.active, s.st.nextIn, s.st.nextOut = false, s.nextIn, nextOut
	close(s.st.released)
}

// sendLast sends the session's final message. The session is released
// first, so a counterparty that logs on again as soon as it reads the
// message finds the session free.
func (s *session) sendLast(m *Message) {
	s.link.mu.Lock()
	seq := s.link.nextOut
	s.link.nextOut++
	s.link.mu.Unlock()
	s.a.release(s)
	s.link.mu.Lock()
	defer s.link.mu.Unlock()
	if err := s.link.write(m, seq, false); err != nil {
		s.logger.Debug("fix final message not sent", slog.Any("err", err))
	}
}

// run reads messages in a goroutine and handles them with the heartbeat
// timer in this one, until either side ends the session.
func (s *session) run(conn net.Conn, r *Reader) {
	inbox := make(chan inbound)
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		for {
			m, _, err := r.Read()
			select {
			case inbox <- inbound{m, err}:
			case <-done:
				return
			}
			if err != nil && fatalRead(err) {
				return
			}
		}
	}()
	defer func() { close(done); conn.Close(); <-exited }()
	ticker := time.NewTicker(max(s.hb/4, 50*time.Millisecond))
	defer ticker.Stop()
	for {
		var ok bool
		select {
		case in := <-inbox:
			ok = s.receive(in)
		case <-ticker.C:
			ok = s.tick()
		case <-s.a.ctx.Done():
			return
		}
		if !ok {
			return
		}
	}
}

// fatalRead reports whether a read error leaves the stream unusable.
func fatalRead(err error) bool {
	var pe *ParseError
	return !errors.As(err, &pe) || errors.Is(err, ErrFraming)
}

// receive handles one inbound message; false ends the session.
func (s *session) receive(in inbound) bool {
	if in.err != nil {
		return s.readError(in.err)
	}
	s.lastRecv = time.Now()
	if err := s.checkHeader(in.m); err != nil {
		s.send(NewReject(s.link.begin, 0, in.m.MsgType, err))
		return s.logout("CompID problem: " + err.Msg)
	}
	seq, err := in.m.Int(TagMsgSeqNum)
	if err != nil {
		return s.logout("MsgSeqNum (34) missing or malformed")
	}
	if in.m.MsgType == MsgSequenceReset && gapFill(in.m) == "N" {
		return s.sequenceReset(in.m, seq)
	}
	switch {
	case seq < s.nextIn && possDup(in.m):
		return true
	case seq < s.nextIn:
		return s.logout(fmt.Sprintf("MsgSeqNum too low, expecting %d but received %d", s.nextIn, seq))
	case seq > s.nextIn:
		return s.logout(fmt.Sprintf("MsgSeqNum too high, expecting %d but received %d; "+
			"resend is not supported, log on again with ResetSeqNumFlag", s.nextIn, seq))
	}
	s.nextIn++
	return s.dispatch(in.m, seq)
}

func (s *session) readError(err error) bool {
	if !fatalRead(err) {
		s.logger.Warn("fix garbled message ignored", slog.Any("err", err))
		return true
	}
	if errors.Is(err, ErrFraming) {
		return s.logout("cannot frame message: " + err.Error())
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		s.logger.Warn("fix connection read failed", slog.Any("err", err))
	}
	return false
}

func gapFill(m *Message) string {
	if v, _ := m.Get(TagGapFillFlag); v == "Y" {
		return "Y"
	}
	return "N"
}

func possDup(m *Message) bool {
	v, _ := m.Get(TagPossDupFlag)
	return v == "Y"
}

// checkHeader verifies BeginString, SenderCompID and TargetCompID.
func (s *session) checkHeader(m *Message) *FieldError {
	if m.BeginString != s.link.begin {
		return &FieldError{Tag: TagBeginString, Reason: RejectValueIncorrect, Msg: "BeginString changed"}
	}
	if v, _ := m.Get(TagSenderCompID); v != s.link.target {
		return &FieldError{Tag: TagSenderCompID, Reason: RejectCompIDProblem, Msg: fmt.Sprintf("SenderCompID %q, want %q", v, s.link.target)}
	}
	if v, _ := m.Get(TagTargetCompID); v != s.link.sender {
		return &FieldError{Tag: TagTargetCompID, Reason: RejectCompIDProblem, Msg: fmt.Sprintf("TargetCompID %q, want %q", v, s.link.sender)}
	}
	return nil
}

// dispatch acts on an in-sequence message; false ends the session.
func (s *session) dispatch(m *Message, seq int64) bool {
	switch m.MsgType {
	case MsgHeartbeat:
		if id, _ := m.Get(TagTestReqID); id != "" && id == s.testReqID {
			s.testReqID = ""
		}
	case MsgTestRequest:
		id, _ := m.Get(TagTestReqID)
		return s.send(NewHeartbeat(s.link.begin, id))
	case MsgResendRequest:
		return s.resend(m, seq)
	case MsgReject:
		text, _ := m.Get(TagText)
		s.logger.Warn("fix reject received", slog.Int64("seq", seq), slog.String("text", text))
	case MsgSequenceReset:
		if n, err := m.Int(TagNewSeqNo); err == nil && n > s.nextIn {
			s.nextIn = n
		}
	case MsgLogout:
		s.sendLast(NewLogout(s.link.begin, ""))
		return false
	case MsgLogon:
		return s.send(NewReject(s.link.begin, seq, m.MsgType, &FieldError{Reason: RejectValueIncorrect, Msg: "already logged on"}))
	case MsgNewOrderSingle:
		return s.newOrder(m, seq)
	case MsgOrderCancelRequest:
		return s.cancelOrder(m, seq)
	default:
		return s.send(NewReject(s.link.begin, seq, m.MsgType, &FieldError{Tag: TagMsgType, Reason: RejectInvalidMsgType, Msg: "unsupported MsgType"}))
	}
	return true
}

// resend answers a ResendRequest with a gap fill up to the next number:
// the acceptor keeps no message store.
func (s *session) resend(m *Message, seq int64) bool {
	begin, err := m.Int(TagBeginSeqNo)
	if err != nil || begin < 1 {
		return s.send(NewReject(s.link.begin, seq, m.MsgType, &FieldError{Tag: TagBeginSeqNo, Reason: RejectValueIncorrect, Msg: "BeginSeqNo missing or malformed"}))
	}
	s.link.mu.Lock()
	next := s.link.nextOut
	s.link.mu.Unlock()
	if begin >= next {
		return true
	}
	return s.link.sendAt(NewGapFill(s.link.begin, next), begin) == nil
}

// sequenceReset handles SequenceReset in reset mode (123 absent or N).
func (s *session) sequenceReset(m *Message, seq int64) bool {
	n, err := m.Int(TagNewSeqNo)
	if err != nil || n < s.nextIn {
		return s.send(NewReject(s.link.begin, seq, m.MsgType, &FieldError{Tag: TagNewSeqNo, Reason: RejectValueIncorrect, Msg: "NewSeqNo missing or lower than expected"}))
	}
	s.nextIn = n
	return true
}

// tick sends heartbeats and test requests, and ends a silent session
// (FIX 4.4 Vol.2 "Heartbeat interval").
func (s *session) tick() bool {
	if s.link.idle() >= s.hb {
		if !s.send(NewHeartbeat(s.link.begin, "")) {
			return false
		}
	}
	grace := s.hb + s.hb/5
	if s.testReqID != "" {
		if time.Since(s.testSent) >= grace {
			return s.logout("heartbeat timeout")
		}
		return true
	}
	if time.Since(s.lastRecv) >= grace {
		s.tests++
		s.testReqID, s.testSent = "TEST-"+strconv.Itoa(s.tests), time.Now()
		return s.send(NewTestRequest(s.link.begin, s.testReqID))
	}
	return true
}

func (s *session) send(m *Message) bool {
	if _, err := s.link.send(m); err != nil {
		s.logger.Warn("fix send failed", slog.String("msg_type", m.MsgType), slog.Any("err", err))
		return false
	}
	return true
}

// logout sends a Logout with the reason and ends the session.
func (s *session) logout(text string) bool {
	s.logger.Warn("fix session ended by acceptor", slog.String("reason", text))
	s.sendLast(NewLogout(s.link.begin, text))
	return false
}
