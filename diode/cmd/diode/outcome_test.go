package main

import (
	"errors"
	"testing"
	"time"

	"bastion/diode"
)

// TestOutcomeRule holds outcome.err to the rule recvLong states for
// --once, and to the older rule without it.
func TestOutcomeRule(t *testing.T) {
	closed := &diode.Event{Kind: diode.KindSessionClosed}
	expired := &diode.Event{Kind: diode.KindSessionExpired, Message: "no authenticated datagram for 10s"}
	unannounced := &diode.Event{Kind: diode.KindUnannounced, Message: "12 datagrams heard"}
	once := runEnd{once: true}
	onceAuth := runEnd{once: true, authFailures: 44}
	for _, tc := range []struct {
		name  string
		o     outcome
		files error
		r     runEnd
		want  string // "" for success
	}{
		{"complete", outcome{started: true, batches: 3, end: closed}, nil, once, ""},
		{"closed despite failed datagrams", outcome{started: true, batches: 3, end: closed}, nil, onceAuth, ""},
		{"expired with all files", outcome{started: true, batches: 3, end: expired}, nil, once, ""},
		{"expired after failed datagrams", outcome{started: true, batches: 3, end: expired}, nil, onceAuth,
			"transfer incomplete: 44 datagram(s) failed authentication and the sender did not close the session"},
		{"file incomplete", outcome{started: true, batches: 3, end: closed}, errors.New("1 file(s) incomplete"), once,
			"transfer incomplete: 1 file(s) incomplete"},
		{"lost", outcome{started: true, batches: 3, lost: 2, ranges: []string{"7..8"}, end: expired}, nil, once,
			"transfer incomplete: 2 batch(es) lost: 7..8; session_expired: no authenticated datagram for 10s"},
		{"wrong guard key", outcome{started: true, end: expired}, nil, onceAuth,
			"no batch received: 44 datagram(s) failed authentication (is --key the guard key the sender " +
				"encrypts to?); session_expired: no authenticated datagram for 10s"},
		{"wrong verify key", outcome{end: unannounced}, nil, onceAuth,
			"no batch received: 44 datagram(s) failed authentication (is --verify-key the sender's public " +
				"key?); unannounced: 12 datagrams heard"},
		{"closed empty", outcome{started: true, end: closed}, nil, once,
			"no batch received: the sender closed its session without sending a batch"},
		{"all lost", outcome{started: true, lost: 1, ranges: []string{"5"}, end: closed}, nil, once,
			"no batch received: 1 batch(es) lost: 5; the sender closed its session without sending a batch"},
		{"nothing heard", outcome{}, nil, runEnd{once: true, idle: 2 * time.Second},
			"no batch received: no session announced within 2s"},
		{"only noise heard", outcome{}, nil, runEnd{once: true, idle: 2 * time.Second, heard: 3},
			"no batch received: no session announced, and nothing heard for 2s after 3 datagram(s)"},
		{"interrupted", outcome{started: true}, nil, once, "no batch received: stopped before a session ended"},
		{"without --once nothing is no failure", outcome{}, nil, runEnd{authFailures: 44}, ""},
		{"without --once lost is", outcome{lost: 1, ranges: []string{"5"}}, nil, runEnd{},
			"transfer incomplete: 1 batch(es) lost: 5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if err := tc.o.err(tc.files, tc.r); err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestOutcomeNote: a new session forgets the last one's batches and end,
// and every Final kind ends a session.
func TestOutcomeNote(t *testing.T) {
	var o outcome
	o.note(diode.Event{Kind: diode.KindSessionStarted})
	o.batches = 2
	o.note(diode.Event{Kind: diode.KindSessionExpired})
	o.note(diode.Event{Kind: diode.KindSenderRestart})
	if !o.started || o.batches != 0 || o.end != nil {
		t.Errorf("after a restart: started %v, batches %d, end %v; want true, 0, nil", o.started, o.batches, o.end)
	}
	for _, k := range []diode.Kind{diode.KindSessionClosed, diode.KindSessionExpired, diode.KindUnannounced} {
		o.note(diode.Event{Kind: k})
		if o.end == nil || o.end.Kind != k {
			t.Errorf("after %v: end %v, want %v", k, o.end, k)
		}
	}
}
