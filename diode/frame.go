package diode

import (
	"context"
	"log/slog"

	"bastion/diode/internal/fec"
	"bastion/diode/internal/wire"
)

// frame is one transmission of a batch: its shards, data and parity, and
// the order they go out in. Groups with the same shape (k, m) are coded
// together: row j of a class holds shard j of each of its groups side by
// side, so one Reed-Solomon call codes every group of the class over long
// rows. Data is copied from the batch once; a datagram is sealed from its
// shard straight into the writer's buffer, so nothing is copied or
// allocated per datagram. A frame's buffers are reused by the next batch.
type frame struct {
	rs     []byte      // the rows of every class
	order  []shardRef  // in transmission (interleaved) order
	rows   [][]byte    // scratch: one class's rows for the code
	plain  [][][]byte  // plain[g][i] is shard i of group g
	shards [][]byte    // backing of plain
	hdr    wire.Header // fields common to every datagram
	bytes  int         // batch length

	done chan struct{} // set on a flush marker instead of a batch
}

// shardRef places one datagram: group, index and the group's shape.
type shardRef struct {
	group   uint32
	index   uint8
	k, m    uint8
	_       uint8
	payload []byte
}

// build lays batch out in f as sequence seq and computes its parity.
func (s *Sender) build(f *frame, seq uint64, batch []byte, flags uint8) error {
	l, err := fec.NewLayout(len(batch), s.cfg.ShardSize, s.parity)
	if err != nil {
		return err
	}
	total, ss := l.Shards(), l.ShardSize
	if cap(f.rs) < total*ss {
		f.rs = make([]byte, total*ss)
	}
	f.bytes = len(batch)
	f.hdr = wire.Header{Type: wire.TypeShard, Flags: flags, Session: s.id, Seq: seq,
		BodyLen: uint16(ss + 16), BatchLen: uint32(len(batch))}
	f.plain = resize(f.plain, l.G)
	f.shards = resize(f.shards, total)
	off, used := 0, 0
	for _, c := range classes(l) {
		rowLen := c.n * ss
		f.rows = resize(f.rows, c.k+c.m)
		for j := range c.k + c.m {
			f.rows[j] = f.rs[off+j*rowLen : off+(j+1)*rowLen : off+(j+1)*rowLen]
		}
		for g := c.first; g < c.first+c.n; g++ {
			_, _, chunk := l.Group(g)
			f.plain[g] = f.shards[used : used+c.k+c.m : used+c.k+c.m]
			used += c.k + c.m
			for j := range c.k + c.m {
				f.plain[g][j] = f.rows[j][(g-c.first)*ss : (g-c.first+1)*ss : (g-c.first+1)*ss]
			}
			for i := range c.k {
				fill(f.plain[g][i], batch, (chunk+i)*ss)
			}
		}
		if err := s.codec.Encode(f.rows, c.k, c.m); err != nil {
			return err
		}
		off += (c.k + c.m) * rowLen
	}
	f.order = f.order[:0]
	l.Interleave(func(g, i int) bool {
		k, m, _ := l.Group(g)
		f.order = append(f.order, shardRef{group: uint32(g), index: uint8(i), k: uint8(k), m: uint8(m),
			payload: f.plain[g][i]})
		return true
	})
	return nil
}

// class is a run of groups with the same shape: n groups from first on.
type class struct{ first, n, k, m int }

// classes splits a layout's groups into runs of equal shape: at most two,
// since groups differ by at most one data shard.
func classes(l fec.Layout) []class {
	var out []class
	for g := range l.G {
		k, m, _ := l.Group(g)
		if n := len(out); n > 0 && out[n-1].k == k && out[n-1].m == m {
			out[n-1].n++
			continue
		}
		out = append(out, class{first: g, n: 1, k: k, m: m})
	}
	return out
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// fill copies batch[off:] into shard and zeroes what is left over.
func fill(shard, batch []byte, off int) {
	n := 0
	if off < len(batch) {
		n = copy(shard, batch[off:])
	}
	clear(shard[n:])
}

// segmentMax is the most datagrams one segmented message carries, and
// segmentBytes the most bytes: a UDP datagram's limit over IPv4, less a
// margin.
const (
	segmentMax   = 64
	segmentBytes = 65000
)

// datagramLen is the size of a shard datagram carrying shardSize bytes.
func datagramLen(shardSize int) int { return wire.HeaderLen + shardSize + 16 }

// frameWriter seals datagrams into its buffer and writes them, many per
// system call. The Sender's writer goroutine and the carousel have one each.
type frameWriter struct {
	bc     *batchConn
	buf    []byte
	ds     [][]byte
	counts []int // datagrams per segmented message
}

func newFrameWriter(s *Sender) (*frameWriter, error) {
	bc, err := newBatchConn(s.conn, mmsgMax, false)
	if err != nil {
		return nil, err
	}
	if s.cfg.NoSegmentOffload {
		bc.noSegments()
	}
	return &frameWriter{bc: bc}, nil
}

// segments splits refs into the datagram counts of segmented messages:
// each message holds at most one shard of any group, so that a network
// element that drops a whole unsegmented message (a filter before the
// card cuts it apart) costs every group at most one shard, as a single
// lost datagram would. The interleaved order runs through the groups in
// increasing number, so a message ends where the number stops growing,
// or at max datagrams.
func segments(counts []int, refs []shardRef, max int) []int {
	counts = counts[:0]
	n := 0
	for i, r := range refs {
		if n == max || n > 0 && r.group <= refs[i-1].group {
			counts = append(counts, n)
			n = 0
		}
		n++
	}
	if n > 0 {
		counts = append(counts, n)
	}
	return counts
}

// seal gives each datagram of refs its counter and seals it into w's
// buffer, with the header as associated data; it returns the datagrams.
func (w *frameWriter) seal(s *Sender, f *frame, refs []shardRef) [][]byte {
	slot := datagramLen(int(f.hdr.BodyLen) - 16)
	w.buf = resize(w.buf, len(refs)*slot)
	w.ds = w.ds[:0]
	first := s.counter.take(len(refs))
	h := f.hdr
	var nonce [12]byte
	for j, r := range refs {
		h.Counter, h.Group, h.Index, h.K, h.M = first+uint64(j), r.group, r.index, r.k, r.m
		d := wire.AppendHeader(w.buf[j*slot:j*slot:(j+1)*slot], &h)
		wire.Nonce(&nonce, h.Type, h.Counter)
		w.ds = append(w.ds, s.aead.Seal(d, nonce[:], r.payload, d))
	}
	return w.ds
}

// outcome is what became of one frame's datagrams.
type outcome struct {
	sent, failed int
	last         error // the last datagram error
}

// write seals and writes f's datagrams in chunks, each paid for in the
// pacing bucket first. Datagrams the kernel refuses are counted and
// skipped. It returns ctx's error if ctx ends first, or a socket error.
func (w *frameWriter) write(ctx context.Context, s *Sender, f *frame) (outcome, error) {
	var o outcome
	slot := datagramLen(int(f.hdr.BodyLen) - 16)
	for off := 0; off < len(f.order); off += s.chunk {
		refs := f.order[off:min(off+s.chunk, len(f.order))]
		slept, err := s.pace.wait(ctx, len(refs)*slot)
		s.c.pacingWait.Add(int64(slept))
		if err != nil {
			return o, err
		}
		parity := 0
		for _, r := range refs {
			if r.index >= r.k {
				parity++
			}
		}
		ds := w.seal(s, f, refs)
		var sent, failed int
		var last error
		if w.bc.canSegment(slot) {
			w.counts = segments(w.counts, refs, min(segmentMax, segmentBytes/slot))
			sent, failed, last, err = w.bc.writeSegments(w.buf[:len(refs)*slot], ds, slot, w.counts)
		} else {
			sent, failed, last, err = w.bc.write(ds)
		}
		o.sent += sent
		s.c.datagrams.Add(uint64(sent))
		s.c.wireBytes.Add(uint64(sent * slot))
		s.c.parity.Add(uint64(parity * sent / len(refs)))
		if failed > 0 {
			o.failed, o.last = o.failed+failed, last
			s.c.failed(failed, last)
			s.log.Debug("datagrams not written", slog.Int("count", failed), slog.Any("err", last))
		}
		if err != nil {
			return o, err
		}
	}
	return o, nil
}
