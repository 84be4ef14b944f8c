package fec

// Encoded is one batch cut into groups of shards, ready to send. Shards
// share one backing array that the next EncodeBatch call may reuse.
type Encoded struct {
	Layout Layout
	Groups [][][]byte // Groups[g][i] is shard i of group g
}

// Scratch holds the buffers EncodeBatch reuses between calls. The zero value
// is ready to use; it is not safe for concurrent use.
type Scratch struct {
	buf    []byte
	shards [][]byte
	groups [][][]byte
}

// EncodeBatch splits batch by layout l and computes the parity of every
// group. The result aliases s until the next call.
func (c *Codec) EncodeBatch(batch []byte, l Layout, s *Scratch) (*Encoded, error) {
	total := l.Shards()
	need := total * l.ShardSize
	if cap(s.buf) < need {
		s.buf = make([]byte, need)
	}
	buf := s.buf[:need]
	s.shards = s.shards[:0]
	for i := range total {
		s.shards = append(s.shards, buf[i*l.ShardSize:(i+1)*l.ShardSize:(i+1)*l.ShardSize])
	}
	s.groups = s.groups[:0]
	next := 0
	for g := range l.G {
		k, m, first := l.Group(g)
		group := s.shards[next : next+k+m]
		next += k + m
		for i := range k {
			fill(group[i], batch, (first+i)*l.ShardSize)
		}
		if err := c.Encode(group, k, m); err != nil {
			return nil, err
		}
		s.groups = append(s.groups, group)
	}
	return &Encoded{Layout: l, Groups: s.groups}, nil
}

// fill copies batch[off:] into shard and zeroes what is left over.
func fill(shard, batch []byte, off int) {
	n := 0
	if off < len(batch) {
		n = copy(shard, batch[off:])
	}
	clear(shard[n:])
}
