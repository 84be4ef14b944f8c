package node

import "sync"

// watchers wake readers of the ledger after each applied batch.
type watchers struct {
	mu   sync.Mutex
	next int
	chs  map[int]chan struct{}
}

// Watch returns a channel that receives a value after one or more batches
// were applied (or the state was restored from a snapshot), and a function
// that stops the notifications. Signals coalesce: a reader that falls
// behind gets one signal, then reads the ledger's size. The exporter uses
// it to learn of new entries.
func (n *Node) Watch() (<-chan struct{}, func()) {
	w := &n.watchers
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.chs == nil {
		w.chs = map[int]chan struct{}{}
	}
	id, ch := w.next, make(chan struct{}, 1)
	w.next++
	w.chs[id] = ch
	return ch, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.chs, id)
	}
}

// applied is the state machine's hook after every batch. It never blocks.
func (n *Node) applied(uint64) {
	w := &n.watchers
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, ch := range w.chs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
