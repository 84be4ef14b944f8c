package diode

import "time"

// limbo keeps sealed datagrams of sessions whose announcement has not been
// verified yet, so a receiver that hears data before the announcement (a
// late start, or a lost announcement) loses nothing. Nothing in limbo is
// trusted or parsed; it is bounded by count, bytes and age, oldest out
// first, and holds only copies of datagrams actually received.
type limbo struct {
	entries        []limboEntry
	head           int
	bytes          int
	maxN, maxBytes int
	ttl            time.Duration
}

type limboEntry struct {
	session uint64
	at      time.Time
	data    []byte
}

func newLimbo(maxN, maxBytes int, ttl time.Duration) *limbo {
	return &limbo{maxN: maxN, maxBytes: maxBytes, ttl: ttl}
}

func (l *limbo) len() int { return len(l.entries) - l.head }

// add keeps a copy of d, evicting the oldest entries to stay in bounds.
func (l *limbo) add(session uint64, d []byte, now time.Time) {
	if l.maxN == 0 || len(d) > l.maxBytes {
		return
	}
	for l.len() >= l.maxN || l.bytes+len(d) > l.maxBytes {
		l.pop()
	}
	l.entries = append(l.entries, limboEntry{session, now, append([]byte(nil), d...)})
	l.bytes += len(d)
}

func (l *limbo) pop() {
	l.bytes -= len(l.entries[l.head].data)
	l.entries[l.head] = limboEntry{}
	l.head++
	if l.head > len(l.entries)/2 {
		l.entries = append(l.entries[:0], l.entries[l.head:]...)
		l.head = 0
	}
}

// expire drops entries older than the TTL.
func (l *limbo) expire(now time.Time) {
	for l.len() > 0 && now.Sub(l.entries[l.head].at) > l.ttl {
		l.pop()
	}
}

// take removes and returns the datagrams of session, oldest first.
func (l *limbo) take(session uint64) [][]byte {
	var out [][]byte
	kept := l.entries[:0]
	for _, e := range l.entries[l.head:] {
		if e.session == session {
			out = append(out, e.data)
			l.bytes -= len(e.data)
		} else {
			kept = append(kept, e)
		}
	}
	clear(l.entries[len(kept):])
	l.entries, l.head = kept, 0
	return out
}
