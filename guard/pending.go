package guard

import "maps"

// pending holds verified batches that arrived before a batch they follow,
// bounded in count and bytes. When full, the batch farthest ahead is
// dropped: the carousel will bring it again, and the nearest ones are
// needed first.
type pending struct {
	maxBatches, maxBytes int
	bytes                int
	batches              map[uint64][]byte
}

func newPending(maxBatches, maxBytes int) *pending {
	return &pending{maxBatches: maxBatches, maxBytes: maxBytes, batches: map[uint64][]byte{}}
}

// add keeps raw under seq and returns the seqs it dropped to make room,
// which may include seq itself. A seq already held keeps its first batch.
func (p *pending) add(seq uint64, raw []byte) (dropped []uint64) {
	if _, ok := p.batches[seq]; ok {
		return nil
	}
	p.batches[seq], p.bytes = raw, p.bytes+len(raw)
	for len(p.batches) > p.maxBatches || p.bytes > p.maxBytes {
		far := p.farthest()
		p.remove(far)
		dropped = append(dropped, far)
	}
	return dropped
}

// take removes and returns the batch held under seq.
func (p *pending) take(seq uint64) ([]byte, bool) {
	raw, ok := p.batches[seq]
	if ok {
		p.remove(seq)
	}
	return raw, ok
}

// dropUpTo removes every batch with a seq at or below seq (now repeats).
func (p *pending) dropUpTo(seq uint64) {
	for s := range maps.Keys(p.batches) {
		if s <= seq {
			p.remove(s)
		}
	}
}

func (p *pending) remove(seq uint64) {
	p.bytes -= len(p.batches[seq])
	delete(p.batches, seq)
}

func (p *pending) farthest() uint64 {
	var far uint64
	for s := range p.batches {
		far = max(far, s)
	}
	return far
}

// lowest returns the smallest seq held, or false when empty.
func (p *pending) lowest() (uint64, bool) {
	first, ok := uint64(0), false
	for s := range p.batches {
		if !ok || s < first {
			first, ok = s, true
		}
	}
	return first, ok
}

func (p *pending) len() int { return len(p.batches) }
