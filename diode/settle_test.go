package diode

import (
	"testing"
	"time"

	"bastion/diode/internal/fec"
	"bastion/diode/internal/wire"
	"bastion/test/lossylink"
)

// dropAnnouncements drops every announcement on the way.
func dropAnnouncements(_ uint64, b []byte) bool {
	h, err := wire.ParseHeader(b)
	return err == nil && h.Type == wire.TypeAnnounce
}

// upTo returns the events recorded before the first of kind k, and
// whether one was recorded.
func (r *recorder) upTo(k Kind) ([]Event, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, e := range r.events {
		if e.Kind == k {
			return append([]Event(nil), r.events[:i]...), true
		}
	}
	return nil, false
}

func kindsOf(es []Event, k Kind) []Event {
	var out []Event
	for _, e := range es {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// A sender whose every announcement is lost leaves the receiver with data
// it can never read; once the datagrams stop, the receiver says so
// (KindUnannounced, a Final kind) instead of waiting for ever.
func TestUnannouncedSessionEnds(t *testing.T) {
	l := newLink(t, linkOpts{recv: ReceiverConfig{SessionTimeout: 300 * time.Millisecond},
		loss: &lossylink.Config{Drop: dropAnnouncements}})
	s := l.sender(SenderConfig{Heartbeat: 50 * time.Millisecond, DisableCarousel: true})
	sendAll(t, s, 1, 3, 100<<10)
	s.Close()
	waitUntil(t, 10*time.Second, "unannounced event", func() bool { return len(l.rec.eventsOf(KindUnannounced)) > 0 })
	e := l.rec.eventsOf(KindUnannounced)[0]
	st := s.Stats()
	if want := st.Datagrams - st.Announcements; e.Session != st.Session || e.Count != want {
		t.Errorf("unannounced session %016x count %d, want %016x count %d", e.Session, e.Count, st.Session, want)
	}
	if !e.Kind.Final() {
		t.Errorf("%v.Final() = false, want true", e.Kind)
	}
	if got := l.rec.eventsOf(KindSessionStarted); len(got) != 0 {
		t.Errorf("session started %v, want none", got)
	}
}

// A session that ends with batches missing reports them as KindLost
// before its Final event, so a consumer that stops at that event knows
// everything it lacks: at a clean close and at expiry of a crashed sender.
func TestSessionEndSettlesLoss(t *testing.T) {
	const size = 300 << 10
	layout, _ := fec.NewLayout(size, DefaultShardSize,
		fec.ParityTable(DefaultMaxDataShards, DefaultDesignLoss, DefaultGroupFailure))
	total := layout.Shards()
	for _, tc := range []struct {
		name  string
		crash bool
		end   Kind
	}{{"closed", false, KindSessionClosed}, {"expired", true, KindSessionExpired}} {
		t.Run(tc.name, func(t *testing.T) {
			d := &shardDropper{pick: func(h wire.Header, nth int) bool { return h.Seq == 3 && nth >= total/2 }}
			l := newLink(t, linkOpts{recv: ReceiverConfig{SessionTimeout: 300 * time.Millisecond},
				loss: &lossylink.Config{Drop: d.drop}})
			s := l.sender(SenderConfig{Heartbeat: 50 * time.Millisecond, DisableCarousel: true})
			sendAll(t, s, 1, 4, size)
			if err := s.flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			waitUntil(t, 10*time.Second, "a heartbeat reporting batch 4", func() bool {
				return l.recv.Stats().Sender.LastSeq == 4
			})
			s.halt(!tc.crash)
			var before []Event
			waitUntil(t, 10*time.Second, tc.end.String(), func() bool {
				var ok bool
				before, ok = l.rec.upTo(tc.end)
				return ok
			})
			lost := kindsOf(before, KindLost)
			if len(lost) != 1 || lost[0].First != 3 || lost[0].Last != 3 || lost[0].Count != 1 {
				t.Errorf("lost events before %v: %v, want one for batch 3", tc.end, lost)
			}
			if got := l.rec.delivered(); got != 3 {
				t.Errorf("delivered %d batches, want 3", got)
			}
			if tc.crash {
				e := l.rec.eventsOf(KindSessionExpired)[0]
				if e.Last != 4 {
					t.Errorf("expired event Last = %d, want 4 (the sender's last batch)", e.Last)
				}
			}
		})
	}
}

// Events that settle a session are queued even when noise fills the
// event queue.
func TestFinalEventsNotDropped(t *testing.T) {
	q := newQueue(1, 1)
	for range maxEvents + 10 {
		q.pushEvent(Event{Kind: KindMalformed})
	}
	q.pushEvent(Event{Kind: KindLost, First: 7, Last: 7, Count: 1})
	q.pushEvent(Event{Kind: KindSessionClosed})
	if got := q.eventsDropped.Load(); got != 10 {
		t.Errorf("events dropped %d, want 10", got)
	}
	var tail []Kind
	for q.events > 0 {
		it, _ := q.pop(t.Context())
		if it.event.Kind != KindMalformed {
			tail = append(tail, it.event.Kind)
		}
	}
	if len(tail) != 2 || tail[0] != KindLost || tail[1] != KindSessionClosed {
		t.Errorf("settling events queued %v, want [lost session_closed]", tail)
	}
}
