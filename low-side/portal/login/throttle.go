package login

import (
	"sync"
	"time"
)

// Throttle is how many failed attempts a client address or a user name
// may make: Burst at once, then one more per Every.
type Throttle struct {
	Burst int
	Every time.Duration
}

// DefaultThrottle allows five failures, then one a minute.
var DefaultThrottle = Throttle{Burst: 5, Every: time.Minute}

// maxThrottled bounds the keys a throttle remembers.
const maxThrottled = 8192

// failures counts recent failures per key (a client address or a name)
// as a leaky bucket.
type failures struct {
	t Throttle

	mu   sync.Mutex
	keys map[string]*leak
}

type leak struct {
	level float64 // failures not yet leaked away
	at    time.Time
}

func newFailures(t Throttle) *failures {
	return &failures{t: t, keys: map[string]*leak{}}
}

// blocked reports whether any of keys has used up its allowance.
func (f *failures) blocked(now time.Time, keys ...string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		if l, ok := f.keys[k]; ok && f.drain(l, now) >= float64(f.t.Burst) {
			return true
		}
	}
	return false
}

// fail records one failure against each of keys.
func (f *failures) fail(now time.Time, keys ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.keys) >= maxThrottled {
		f.forgetDrained(now)
	}
	for _, k := range keys {
		l, ok := f.keys[k]
		if !ok {
			l = &leak{at: now}
			f.keys[k] = l
		}
		f.drain(l, now)
		l.level++
	}
}

// drain leaks what elapsed since the last look and returns the level.
func (f *failures) drain(l *leak, now time.Time) float64 {
	if el := now.Sub(l.at); el > 0 {
		l.level = max(0, l.level-float64(el)/float64(f.t.Every))
		l.at = now
	}
	return l.level
}

func (f *failures) forgetDrained(now time.Time) {
	for k, l := range f.keys {
		if f.drain(l, now) == 0 {
			delete(f.keys, k)
		}
	}
	if len(f.keys) >= maxThrottled {
		clear(f.keys)
	}
}
