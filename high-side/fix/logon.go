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
// at all, which ends the connection silently.
func (a *Acceptor) logon(conn net.Conn, m *Message, logger *slog.Logger) (*session, error) {
	cn, hasCert := peerCommonName(conn)
	if m.MsgType != MsgLogon {
		return nil, fmt.Errorf("first message has MsgType %q, want Logon (A)", m.MsgType)
	}
	sender, _ := m.Get(TagSenderCompID)
	l := &link{conn: conn, begin: m.BeginString, sender: a.cfg.CompID, target: sender, nextOut: 1}
	refuse := func(text string) (*session, error) {
		l.send(NewLogout(l.begin, text))
		return nil, errors.New(text)
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

	// Claim the session and check the sequence number under the lock.
	a.mu.Lock()
	if st.active {
		a.mu.Unlock()
		return refuse("session already logged on")
	}
	if reset {
		st.nextIn, st.nextOut = 1, 1
	}
	if seq != st.nextIn {
		want := st.nextIn
		a.mu.Unlock()
		return refuse(fmt.Sprintf("MsgSeqNum %d on Logon, expecting %d; set ResetSeqNumFlag to start over", seq, want))
	}
	st.active = true
	l.nextOut = st.nextOut
	a.mu.Unlock()

	s := &session{a: a, st: st, link: l, hb: hb, nextIn: seq + 1, lastRecv: time.Now(),
		logger: logger.With(slog.String("sender_comp_id", sender))}
	if !s.send(NewLogon(l.begin, int(hb/time.Second), reset)) {
		a.release(s)
		return nil, errors.New("failed to send Logon reply")
	}
	return s, nil
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
