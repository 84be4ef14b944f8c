package report

import (
	"slices"
	"sync"

	"bastion/shared/merkle"
)

// Leaves holds the leaf hash of every ledger entry read, from index 0 up
// to the first missing batch, and the newest checkpoint note whose size is
// exactly the number of leaves held: what an inclusion proof of any of
// them needs. It takes 32 bytes per entry. Its methods are safe for
// concurrent use; Add must be called in ledger order.
type Leaves struct {
	mu     sync.RWMutex
	hashes []merkle.Hash
	blocks []merkle.Hash // MTH of each complete LeafBlock of hashes
	firsts []uint64      // ledger index of each batch's first item
	seqs   []uint64      // each batch's sequence
	note   []byte
	size   uint64 // size of note
	gap    bool   // a batch did not start where the last ended: stop
}

// LeafBlock is the number of leaves whose subtree root Leaves keeps, so
// that an audit path over n leaves costs about n/LeafBlock hashes.
const LeafBlock = 1024

// LeafHash returns the RFC 6962 leaf hash of the item: Hash when the batch
// carried it, else the hash of Entry. It reports false for an item with
// neither.
func (it Item) LeafHash() (merkle.Hash, bool) {
	if it.Hash != (merkle.Hash{}) {
		return it.Hash, true
	}
	if it.Entry == nil {
		return merkle.Hash{}, false
	}
	return merkle.LeafHash(it.Entry), true
}

// add appends the leaves of b when b continues the ledger without a gap;
// the first gap, or an item without a hash, stops the store there.
func (l *Leaves) add(b *Batch) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gap || b.First != uint64(len(l.hashes)) {
		l.gap = true
		return
	}
	add := make([]merkle.Hash, len(b.Items))
	for i, it := range b.Items {
		h, ok := it.LeafHash()
		if !ok {
			l.gap = true
			return
		}
		add[i] = h
	}
	if len(add) > 0 {
		l.firsts, l.seqs = append(l.firsts, b.First), append(l.seqs, b.Seq)
		l.hashes = append(l.hashes, add...)
		l.addBlocks()
	}
	if cp, err := ParseCheckpoint(b.Checkpoint); err == nil && cp.Size == uint64(len(l.hashes)) {
		l.note, l.size = b.Checkpoint, cp.Size
	}
}

// addBlocks hashes every newly complete block of LeafBlock leaves; the
// root of a power-of-two range is the compact range's root (RFC 6962 §2.1).
func (l *Leaves) addBlocks() {
	for n := len(l.blocks); (n+1)*LeafBlock <= len(l.hashes); n++ {
		var c merkle.Compact
		for _, h := range l.hashes[n*LeafBlock : (n+1)*LeafBlock] {
			c.Append(h)
		}
		l.blocks = append(l.blocks, c.Root())
	}
}

// Proven returns the leaf hashes covered by the newest usable checkpoint,
// the roots of their complete blocks of LeafBlock leaves, and that
// checkpoint's note; nil when there is none. The slices are shared:
// callers must not modify them.
func (l *Leaves) Proven() (hashes, blocks []merkle.Hash, note []byte) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.note == nil {
		return nil, nil, nil
	}
	nb := int(l.size / LeafBlock)
	return l.hashes[:l.size:l.size], l.blocks[:nb:nb], l.note
}

// Len returns the number of leaf hashes held.
func (l *Leaves) Len() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.hashes)
}

// BatchOf returns the sequence of the batch that carried ledger index
// idx, and false when idx is not held.
func (l *Leaves) BatchOf(idx uint64) (uint64, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if idx >= uint64(len(l.hashes)) || len(l.firsts) == 0 {
		return 0, false
	}
	i, found := slices.BinarySearch(l.firsts, idx)
	if !found {
		i--
	}
	return l.seqs[i], true
}
