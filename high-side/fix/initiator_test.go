package fix

import (
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// scriptedAcceptor accepts one connection, answers its Logon, then reads
// the next message and, depending on answer, replies with a Logout,
// closes the connection, or says nothing. It reports the MsgType of that
// next message ("" when the connection ended first) and whether the
// initiator closed the connection afterwards.
func scriptedAcceptor(t *testing.T, answer string) (string, <-chan [2]string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	seen := make(chan [2]string, 1)
	go func() {
		defer ln.Close()
		conn, err := ln.Accept()
		if err != nil {
			seen <- [2]string{"", "accept failed"}
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		r := NewReader(conn)
		l := &link{conn: conn, begin: FIX44, sender: acceptorID, target: "DESK1", nextOut: 1}
		if _, _, err := r.Read(); err != nil {
			seen <- [2]string{"", "no Logon"}
			return
		}
		l.send(NewLogon(FIX44, 30, true))
		var next string
		if m, _, err := r.Read(); err == nil {
			next = m.MsgType
		}
		switch answer {
		case "logout":
			l.send(NewLogout(FIX44, ""))
		case "close":
			conn.Close()
		}
		_, _, err = r.Read()
		end := "closed"
		if err == nil {
			end = "open"
		}
		seen <- [2]string{next, end}
	}()
	return ln.Addr().String(), seen
}

// TestCloseLogsOut: Close sends a Logout (5) before the connection goes,
// so the acceptor ends the session rather than finding out from a dropped
// connection, and it returns whether the acceptor replies, hangs up or
// says nothing at all.
func TestCloseLogsOut(t *testing.T) {
	for _, answer := range []string{"logout", "close", "silence"} {
		t.Run(answer, func(t *testing.T) {
			addr, seen := scriptedAcceptor(t, answer)
			c, err := Dial(ctx5(t), addr, InitiatorConfig{BeginString: FIX44, SenderCompID: "DESK1", TargetCompID: acceptorID})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if err := c.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Close took %v, want at most about %v", d, closeTimeout)
			}
			got := <-seen
			if got[0] != MsgLogout {
				t.Errorf("acceptor read MsgType %q after the Logon, want Logout (5)", got[0])
			}
			if answer != "close" && got[1] != "closed" {
				t.Errorf("connection %s after Close, want closed", got[1])
			}
			select {
			case <-c.Done():
			default:
				t.Error("Done not closed after Close")
			}
			goleak.VerifyNone(t)
		})
	}
}
