package fix

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"
)

// logon checks the first message of a connection (FIX 4.4 Vol.2 "Logon"),
// claims the session and answers with a Logon. A refused Logon gets a
// Logout naming the reason, except when the first message is not a Logon
// at all, which ends the connection silently. It returns nil when the
// Logon is refused, having logged why before answering, so that the log
// is complete by the time the counterparty reads the reason.
func (a *Acceptor) logon(conn net.Conn, m *Message, logger *slog.Logger) *session {
	cn, hasCert := peerCommonName(conn)
	if m.MsgType != MsgLogon {
		text := fmt.Sprintf("first message has MsgType %q, want Logon (A)", m.MsgType)
		logger.Warn("fix logon refused", slog.String("err", text))
		return nil
	}
	sender, _ := m.Get(TagSenderCompID)
	l := &link{conn: conn, begin: m.BeginString, sender: a.cfg.CompID, target: sender, nextOut: 1}
	refuse := func(text string) *session {
		logger.Warn("fix logon refused", slog.String("err", text))
		l.send(NewLogout(l.begin, text))
		return nil
	}

	a.mu.Lock()
	st := a.sessions[sender]
	a.mu.Unlock()
	if st == nil {
		return refuse(fmt.Sprintf("unknown SenderCompID %q", clip([]byte(sender))))
	}
	if reason := a.checkBinding(st.cfg, sender, cn, hasCert); reason != "" {
		return refuse(reason)
	}
	if target, _ := m.Get(TagTargetCompID); target != a.cfg.CompID {
		return refuse(fmt.Sprintf("unknown TargetCompID %q", clip([]byte(target))))
	}
	if m.BeginString != st.cfg.BeginString {
		return refuse(fmt.Sprintf("BeginString %s, session is configured for %s", m.BeginString, st.cfg.BeginString))
	}
	hb, seq, reset, err := logonFields(m)
	if err != nil {
		return refuse(err.Error())
	}

	nextOut, reason := a.claim(st, seq, reset)
	if reason != "" {
		return refuse(reason)
	}
	l.nextOut = nextOut

	s := &session{a: a, st: st, link: l, hb: hb, nextIn: seq + 1, lastRecv: time.Now(),
		logger: logger.With(slog.String("sender_comp_id", sender))}
	if !s.send(NewLogon(l.begin, int(hb/time.Second), reset)) {
		a.release(s)
		logger.Warn("fix logon refused", slog.String("err", "failed to send Logon reply"))
		return nil
	}
	return s
}

// claimWait bounds how long a Logon waits for the previous session of its
// SenderCompID to be released. A counterparty that drops its connection
// and dials again at once can overtake the end of the old connection: the
// session reading it has not yet seen the end of stream when the new
// Logon arrives. A session still live after the wait keeps running and
// the new Logon is refused, so nobody takes over a connected session.
const claimWait = time.Second

// claim marks the session active for a Logon with MsgSeqNum seq once its
// previous session, if any, is released, waiting up to claimWait. It
// returns the next outgoing MsgSeqNum, or why the Logon is refused.
func (a *Acceptor) claim(st *sessionState, seq int64, reset bool) (int64, string) {
	timeout := time.NewTimer(claimWait)
	defer timeout.Stop()
	a.mu.Lock()
	for st.active {
		released := st.released
		a.mu.Unlock()
		select {
		case <-released:
		case <-timeout.C:
			return 0, "session already logged on"
		case <-a.ctx.Done():
			return 0, "acceptor shutting down"
		}
		a.mu.Lock()
	}
	defer a.mu.Unlock()

	if reset {
		st.nextIn, st.nextOut = 1, 1
	}
	if seq != st.nextIn {
		return 0, fmt.Sprintf("MsgSeqNum %d on Logon, expecting %d; set ResetSeqNumFlag to start over", seq, st.nextIn)
	}
	st.active, st.released = true, make(chan struct{})
	return st.nextOut, ""
}

// logonFields reads HeartBtInt (108), MsgSeqNum (34), EncryptMethod (98)
// and ResetSeqNumFlag (141).
func logonFields(m *Message) (time.Duration, int64, bool, error) {
	if v, _ := m.Get(TagEncryptMethod); v != "0" {
		return 0, 0, false, fmt.Errorf("EncryptMethod (98) %q, want 0", clip([]byte(v)))
	}
	hb, err := m.Int(TagHeartBtInt)
	if err != nil || hb < minHeartBtInt || hb > maxHeartBtInt {
		return 0, 0, false, fmt.Errorf("HeartBtInt (108) must be %d to %d seconds", minHeartBtInt, maxHeartBtInt)
	}
	seq, err := m.Int(TagMsgSeqNum)
	if err != nil || seq < 1 {
		return 0, 0, false, errors.New("MsgSeqNum (34) missing or malformed")
	}
	reset, _ := m.Get(TagResetSeqNumFlag)
	return time.Duration(hb) * time.Second, seq, reset == "Y", nil
}
