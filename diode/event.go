package diode

import (
	"fmt"
	"time"
)

// Kind says what an Event reports.
type Kind int

// Event kinds.
const (
	// KindSessionStarted: a verified announcement opened the first session.
	KindSessionStarted Kind = iota + 1
	// KindSenderRestart: a newer session replaced the current one; partial
	// batches of the old session were discarded and reported as gaps.
	KindSenderRestart
	// KindSessionClosed: the sender announced a clean shutdown. Every
	// batch of the session still missing has been reported by a
	// KindLost event before it.
	KindSessionClosed
	// KindSessionExpired: no authenticated datagram for SessionTimeout.
	// Every batch known to be missing (partial batches and sequences the
	// sender's heartbeats reported sent) has been reported by a KindLost
	// event before it; Last is the last sequence the sender reported.
	KindSessionExpired
	// KindGap: batches First..Last were sent but cannot be rebuilt from
	// what arrived; the carousel may still fill them.
	KindGap
	// KindTailMissing: the end of the stream, up to the sender's last
	// sequence in a heartbeat (Last), did not arrive complete.
	KindTailMissing
	// KindGapFilled: batch First, reported missing, arrived after all.
	KindGapFilled
	// KindLost: batches First..Last (Count of them still missing) will not
	// be resent any more: the carousel's last resend time has passed.
	KindLost
	// KindHeartbeatMissed: no heartbeat for the configured number of
	// heartbeat intervals.
	KindHeartbeatMissed
	// KindHeartbeatResumed: heartbeats arrive again after a miss.
	KindHeartbeatResumed
	// KindMalformed: Count datagrams were malformed (Message says why).
	KindMalformed
	// KindAuthFailure: Count datagrams or signatures failed authentication.
	KindAuthFailure
	// KindUnknownType: Count datagrams had an undefined type.
	KindUnknownType
	// KindQueueOverflow: Count rebuilt batches found the delivery queue
	// full and were dropped (First..Last); the carousel may bring them.
	KindQueueOverflow
	// KindUnannounced: Count datagrams of session Session were heard while
	// no session was current, and no verified announcement for it came
	// within SessionTimeout of the last one: the announcement was lost or
	// signed by another key, and what those datagrams carried is lost. It
	// ends the wait for that session as KindSessionExpired would.
	KindUnannounced
)

// Final reports whether k ends the receiver's wait for a session: after
// it, nothing more of that session will be delivered or reported.
func (k Kind) Final() bool {
	return k == KindSessionClosed || k == KindSessionExpired || k == KindUnannounced
}

var kindNames = map[Kind]string{
	KindSessionStarted: "session_started", KindSenderRestart: "sender_restart",
	KindSessionClosed: "session_closed", KindSessionExpired: "session_expired",
	KindGap: "gap", KindTailMissing: "tail_missing", KindGapFilled: "gap_filled",
	KindLost: "lost", KindHeartbeatMissed: "heartbeat_missed",
	KindHeartbeatResumed: "heartbeat_resumed", KindMalformed: "malformed",
	KindAuthFailure: "auth_failure", KindUnknownType: "unknown_type",
	KindQueueOverflow: "queue_overflow", KindUnannounced: "unannounced",
}

// String returns the kind's snake_case name.
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Event is something the receiver observed that its user should know.
type Event struct {
	Kind    Kind
	Time    time.Time
	Session uint64 // session the event concerns, 0 if none
	First   uint64 // first batch sequence concerned, if any
	Last    uint64 // last batch sequence concerned, if any
	Count   uint64 // batches or datagrams concerned
	Message string
}

// String formats the event for logs.
func (e Event) String() string {
	return fmt.Sprintf("%s session=%016x seq=%d..%d count=%d %s",
		e.Kind, e.Session, e.First, e.Last, e.Count, e.Message)
}

// Handler receives what a Receiver produces, from one goroutine, in order.
// Batch owns payload. A slow Handler never stalls the socket: batches that
// find the queue full are dropped and counted (KindQueueOverflow).
type Handler interface {
	Batch(seq uint64, payload []byte)
	Event(e Event)
}

// noisy aggregates per-datagram events so a flood of bad datagrams yields
// one event per interval per kind, with a count.
type noisy struct {
	count   uint64
	last    time.Time
	message string
}

// note records one occurrence and returns the event to emit now, if any.
func (n *noisy) note(k Kind, now time.Time, every time.Duration, msg string) (Event, bool) {
	n.count++
	n.message = msg
	if now.Sub(n.last) < every {
		return Event{}, false
	}
	return n.flush(k, now), true
}

// flush returns the pending aggregate event.
func (n *noisy) flush(k Kind, now time.Time) Event {
	e := Event{Kind: k, Time: now, Count: n.count, Message: n.message}
	n.count, n.last = 0, now
	return e
}
