package main

import (
	"fmt"
	"strings"
	"time"

	"bastion/diode"
)

// maxRanges is how many lost ranges the exit error names.
const maxRanges = 8

// outcome gathers, from the receiver's events and batches, what a transfer
// lacks: the batches declared lost, how many batches arrived and how the
// last session ended.
type outcome struct {
	started bool   // a verified announcement opened a session
	batches uint64 // batches delivered since the session started
	lost    uint64
	ranges  []string
	more    int
	end     *diode.Event // the Final event that ended the session, if any
}

// runEnd is what a whole run saw, beside its last session's outcome.
type runEnd struct {
	once         bool          // the run waited for one transfer (--once)
	authFailures uint64        // datagrams and signatures that failed authentication
	heard        uint64        // datagrams received
	idle         time.Duration // nonzero if the run gave up waiting for a session
}

// note records e. A new session starts a new outcome.
func (o *outcome) note(e diode.Event) {
	switch {
	case e.Kind == diode.KindSessionStarted || e.Kind == diode.KindSenderRestart:
		*o = outcome{started: true}
	case e.Kind == diode.KindLost:
		o.lost += e.Count
		if len(o.ranges) == maxRanges {
			o.more++
			return
		}
		r := fmt.Sprint(e.First)
		if e.Last != e.First {
			r += fmt.Sprintf("..%d", e.Last)
		}
		o.ranges = append(o.ranges, r)
	case e.Kind.Final():
		o.end = &e
	}
}

// closed reports whether the sender closed the session itself.
func (o *outcome) closed() bool {
	return o.end != nil && o.end.Kind == diode.KindSessionClosed
}

// err returns why the run failed, or nil. It names what is missing: lost
// batches, an unannounced session and files, the output's own verdict. With
// r.once it also applies the rule recvLong states: a run that delivered no
// batch fails (see nothing), and so does one that saw datagrams fail
// authentication unless the sender closed its session.
func (o *outcome) err(files error, r runEnd) error {
	if r.once && o.batches == 0 {
		return o.nothing(files, r)
	}
	parts := o.lostParts()
	// A session that expired with nothing known missing (a sender stopped
	// without its closing heartbeat) is left to the file check.
	if e := o.end; e != nil && (o.lost > 0 || e.Kind == diode.KindUnannounced) && !o.closed() {
		parts = append(parts, fmt.Sprintf("%s: %s", e.Kind, e.Message))
	}
	// Without the closing heartbeat nothing vouches that the datagrams
	// which failed authentication carried nothing of the transfer.
	if r.once && r.authFailures > 0 && !o.closed() {
		parts = append(parts, fmt.Sprintf("%d datagram(s) failed authentication and the sender "+
			"did not close the session", r.authFailures))
	}
	if files != nil {
		parts = append(parts, files.Error())
	}
	if len(parts) == 0 {
		return nil
	}
	return fmt.Errorf("transfer incomplete: %s", strings.Join(parts, "; "))
}

// nothing names why a run that waited for one transfer delivered no
// batch: failed authentication with the key most likely wrong, lost
// batches, and how the wait ended.
func (o *outcome) nothing(files error, r runEnd) error {
	var parts []string
	if r.authFailures > 0 {
		// A verified announcement proves --verify-key right, so what fails
		// after it is the sealing to the guard key.
		hint := "--verify-key the sender's public key"
		if o.started {
			hint = "--key the guard key the sender encrypts to"
		}
		parts = append(parts, fmt.Sprintf("%d datagram(s) failed authentication (is %s?)", r.authFailures, hint))
	}
	parts = append(parts, o.lostParts()...)
	parts = append(parts, o.why(r))
	if files != nil {
		parts = append(parts, files.Error())
	}
	return fmt.Errorf("no batch received: %s", strings.Join(parts, "; "))
}

// why says how a run that delivered no batch ended.
func (o *outcome) why(r runEnd) string {
	switch e := o.end; {
	case r.idle > 0 && r.heard == 0:
		return fmt.Sprintf("no session announced within %v", r.idle)
	case r.idle > 0:
		return fmt.Sprintf("no session announced, and nothing heard for %v after %d datagram(s)", r.idle, r.heard)
	case e == nil:
		return "stopped before a session ended"
	case e.Kind == diode.KindSessionClosed:
		return "the sender closed its session without sending a batch"
	default:
		return fmt.Sprintf("%s: %s", e.Kind, e.Message)
	}
}

// lostParts names the lost batches, if any.
func (o *outcome) lostParts() []string {
	if o.lost == 0 {
		return nil
	}
	r := strings.Join(o.ranges, ", ")
	if o.more > 0 {
		r += fmt.Sprintf(" and %d more range(s)", o.more)
	}
	return []string{fmt.Sprintf("%d batch(es) lost: %s", o.lost, r)}
}
