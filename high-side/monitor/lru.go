package monitor

// lru is a bounded map that evicts its least recently written key. Reads
// through peek do not change the order, so deciding never alters state:
// eviction depends only on the sequence of committed entries, the same on
// every node. Not safe for concurrent use; Monitor guards it.
type lru[K comparable, V any] struct {
	max     int
	items   map[K]*lruNode[K, V]
	head    lruNode[K, V] // sentinel: head.next is the newest, head.prev the oldest
	onEvict func(K, V)
}

type lruNode[K comparable, V any] struct {
	key        K
	val        V
	prev, next *lruNode[K, V]
}

func newLRU[K comparable, V any](max int, onEvict func(K, V)) *lru[K, V] {
	l := &lru[K, V]{max: max, items: make(map[K]*lruNode[K, V]), onEvict: onEvict}
	l.head.next, l.head.prev = &l.head, &l.head
	return l
}

// peek returns the value for k without touching its recency.
func (l *lru[K, V]) peek(k K) (V, bool) {
	if n, ok := l.items[k]; ok {
		return n.val, true
	}
	var zero V
	return zero, false
}

// stored returns the key equal to k as stored, or k if there is none.
func (l *lru[K, V]) stored(k K) K {
	if n, ok := l.items[k]; ok {
		return n.key
	}
	return k
}

// put stores v under k as the newest key, evicting the oldest when full.
func (l *lru[K, V]) put(k K, v V) {
	if n, ok := l.items[k]; ok {
		n.val = v
		l.unlink(n)
		l.pushFront(n)
		return
	}
	if len(l.items) >= l.max {
		l.evictOldest()
	}
	n := &lruNode[K, V]{key: k, val: v}
	l.items[k] = n
	l.pushFront(n)
}

// remove deletes k; it does not call onEvict.
func (l *lru[K, V]) remove(k K) {
	if n, ok := l.items[k]; ok {
		l.unlink(n)
		delete(l.items, k)
	}
}

func (l *lru[K, V]) len() int { return len(l.items) }

func (l *lru[K, V]) evictOldest() {
	n := l.head.prev
	if n == &l.head {
		return
	}
	l.unlink(n)
	delete(l.items, n.key)
	if l.onEvict != nil {
		l.onEvict(n.key, n.val)
	}
}

func (l *lru[K, V]) pushFront(n *lruNode[K, V]) {
	n.prev, n.next = &l.head, l.head.next
	l.head.next.prev = n
	l.head.next = n
}

func (l *lru[K, V]) unlink(n *lruNode[K, V]) {
	n.prev.next = n.next
	n.next.prev = n.prev
	n.prev, n.next = nil, nil
}
