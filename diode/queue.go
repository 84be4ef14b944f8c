package diode

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// queue decouples the socket loop from the Handler. Batches are bounded by
// count and bytes; events by maxEvents. Push never blocks: it refuses.
type queue struct {
	mu                   sync.Mutex
	items                []item
	head                 int
	batches, bytes       int
	events               int
	maxBatches, maxBytes int
	notify               chan struct{}
	eventsDropped        atomic.Uint64
	handlerTime          atomic.Int64
}

type item struct {
	seq   uint64
	batch []byte
	event *Event
}

// maxEvents bounds queued events. Events that settle a session (KindLost
// and the Final kinds) may use as many again, so that a flood of noise
// events never hides the end of a transfer: they number at most maxGaps
// per session plus one.
const maxEvents = 4096

func newQueue(maxBatches, maxBytes int) *queue {
	return &queue{maxBatches: maxBatches, maxBytes: maxBytes, notify: make(chan struct{}, 1)}
}

// pushBatch queues a batch, or returns false if the queue is full.
func (q *queue) pushBatch(seq uint64, b []byte) bool {
	q.mu.Lock()
	if q.batches >= q.maxBatches || q.bytes+len(b) > q.maxBytes {
		q.mu.Unlock()
		return false
	}
	q.batches++
	q.bytes += len(b)
	q.items = append(q.items, item{seq: seq, batch: b})
	q.mu.Unlock()
	q.wake()
	return true
}

// pushEvent queues an event, or counts it dropped if maxEvents are queued.
func (q *queue) pushEvent(e Event) {
	limit := maxEvents
	if e.Kind == KindLost || e.Kind.Final() {
		limit = 2 * maxEvents
	}
	q.mu.Lock()
	if q.events >= limit {
		q.mu.Unlock()
		q.eventsDropped.Add(1)
		return
	}
	q.events++
	q.items = append(q.items, item{event: &e})
	q.mu.Unlock()
	q.wake()
}

func (q *queue) wake() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// pop returns the oldest item, waiting for one; false once ctx ends.
func (q *queue) pop(ctx context.Context) (item, bool) {
	for {
		if ctx.Err() != nil {
			return item{}, false
		}
		q.mu.Lock()
		if q.head < len(q.items) {
			it := q.items[q.head]
			q.items[q.head] = item{}
			q.head++
			if q.head == len(q.items) {
				q.items, q.head = q.items[:0], 0
			} else if q.head > 64 && q.head > len(q.items)/2 {
				n := copy(q.items, q.items[q.head:])
				clear(q.items[n:])
				q.items, q.head = q.items[:n], 0
			}
			if it.event != nil {
				q.events--
			} else {
				q.batches--
				q.bytes -= len(it.batch)
			}
			q.mu.Unlock()
			return it, true
		}
		q.mu.Unlock()
		select {
		case <-q.notify:
		case <-ctx.Done():
			return item{}, false
		}
	}
}

func (q *queue) stats() (batches, bytes int, eventsDropped uint64, handler time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.batches, q.bytes, q.eventsDropped.Load(), time.Duration(q.handlerTime.Load())
}
