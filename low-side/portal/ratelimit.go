package portal

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Rate is a token-bucket rate: PerSecond tokens refill each second, up to
// Burst.
type Rate struct {
	PerSecond float64
	Burst     int
}

// DefaultRate allows a browser with pages polling every second plenty of
// room while stopping a client that loops.
var DefaultRate = Rate{PerSecond: 20, Burst: 60}

// maxClients bounds the buckets kept; idle ones are dropped past it.
const maxClients = 4096

type bucket struct {
	tokens float64
	seen   time.Time
}

// limiter keeps one token bucket per client address.
type limiter struct {
	rate Rate
	now  func() time.Time

	mu      sync.Mutex
	clients map[string]*bucket
}

func newLimiter(rate Rate, now func() time.Time) *limiter {
	return &limiter{rate: rate, now: now, clients: map[string]*bucket{}}
}

// allow takes a token for client, reporting false when none is left.
func (l *limiter) allow(client string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.clients[client]
	if !ok {
		if len(l.clients) >= maxClients {
			l.evictIdle(now)
		}
		b = &bucket{tokens: float64(l.rate.Burst), seen: now}
		l.clients[client] = b
	}
	elapsed := now.Sub(b.seen).Seconds()
	b.tokens = math.Min(float64(l.rate.Burst), b.tokens+elapsed*l.rate.PerSecond)
	b.seen = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// evictIdle drops buckets that have refilled completely, and all of them
// if that frees nothing.
func (l *limiter) evictIdle(now time.Time) {
	full := time.Duration(float64(l.rate.Burst) / l.rate.PerSecond * float64(time.Second))
	for k, b := range l.clients {
		if now.Sub(b.seen) > full {
			delete(l.clients, k)
		}
	}
	if len(l.clients) >= maxClients {
		clear(l.clients)
	}
}

// middleware answers 429 Too Many Requests to a client over its rate.
func (l *limiter) middleware(next http.Handler) http.Handler {
	retry := strconv.Itoa(int(math.Ceil(1 / l.rate.PerSecond)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !l.allow(clientIP(r)) {
			w.Header().Set("Retry-After", retry)
			http.Error(w, "too many requests", http.StatusTooManyRequests)
			return
		}
		next.ServeHTTP(w, r)
	})
}
