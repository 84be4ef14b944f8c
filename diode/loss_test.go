package diode

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"bastion/diode/internal/fec"
	"bastion/diode/internal/wire"
	"bastion/test/lossylink"
)

// sendAll sends n batches of size bytes from seq first on.
func sendAll(t *testing.T, s *Sender, first uint64, n, size int) {
	t.Helper()
	for i := range n {
		seq := first + uint64(i)
		if err := s.Send(context.Background(), seq, payload(seq, size)); err != nil {
			t.Fatalf("Send(%d): %v", seq, err)
		}
	}
}

// checkAll checks batches first..first+n-1 arrived once, intact.
func checkAll(t *testing.T, r *recorder, first uint64, n, size int) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range n {
		seq := first + uint64(i)
		if !bytes.Equal(r.batches[seq], payload(seq, size)) {
			t.Errorf("batch %d: got %d bytes, want %d intact", seq, len(r.batches[seq]), size)
		}
		if r.counts[seq] > 1 {
			t.Errorf("batch %d delivered %d times, want once", seq, r.counts[seq])
		}
	}
}

// D1: a large transfer completes at 0.1 % and at 5 % random loss, by FEC
// alone (carousel off), with no gap: 200 MB at 0.1 % (25 batches of 8 MB
// in 8,900-byte shards, the size the benchmark also uses, so that the
// run stays short), 20 MiB at 5 %.
func TestRandomLoss(t *testing.T) {
	skipUnderRace(t)
	for _, tc := range []struct {
		loss        float64
		seed        uint64
		n, size     int
		shard, data int
	}{
		{0.001, 1, 25, 8_000_000, 8900, 64},
		{0.05, 2, 20, 1 << 20, 0, 0},
	} {
		t.Run(fmt.Sprint(tc.loss), func(t *testing.T) {
			l := newLink(t, linkOpts{loss: &lossylink.Config{Loss: tc.loss, Seed: tc.seed}})
			base := payload(0, tc.size)
			batch := func(seq uint64) []byte {
				b := slices.Clone(base)
				binary.BigEndian.PutUint64(b, seq)
				return b
			}
			l.rec.verify = func(seq uint64, p []byte) bool {
				return len(p) == tc.size && binary.BigEndian.Uint64(p) == seq && bytes.Equal(p[8:], base[8:])
			}
			s := l.sender(SenderConfig{DisableCarousel: true, Rate: 250e6, ShardSize: tc.shard,
				MaxDataShards: tc.data})
			for seq := uint64(1); seq <= uint64(tc.n); seq++ {
				if err := s.Send(context.Background(), seq, batch(seq)); err != nil {
					t.Fatalf("Send(%d): %v", seq, err)
				}
			}
			waitUntil(t, 60*time.Second, "all batches", func() bool { return l.rec.delivered() == tc.n })
			l.rec.mu.Lock()
			for seq := uint64(1); seq <= uint64(tc.n); seq++ {
				if l.rec.counts[seq] != 1 {
					t.Errorf("batch %d delivered %d times, want once", seq, l.rec.counts[seq])
				}
			}
			if l.rec.wrong != 0 {
				t.Errorf("%d batches arrived with wrong content, want 0", l.rec.wrong)
			}
			l.rec.mu.Unlock()
			st := l.recv.Stats()
			if st.Gaps != 0 || st.TailMissing != 0 || st.Bytes != uint64(tc.n*tc.size) {
				t.Errorf("gaps %d, tail missing %d, bytes %d; want 0, 0, %d", st.Gaps, st.TailMissing, st.Bytes, tc.n*tc.size)
			}
			if st.GroupsRepaired == 0 {
				t.Errorf("groups repaired 0 at %g loss, want > 0", tc.loss)
			}
			t.Logf("forwarder %+v, receiver lost %d datagrams, repaired %d groups",
				l.fwd.Stats(), st.DatagramsLost, st.GroupsRepaired)
		})
	}
}

// A burst of 1,000 lost datagrams inside one 8 MiB batch is repaired by
// the interleaving, with no resend.
func TestBurstRepaired(t *testing.T) {
	skipUnderRace(t)
	l := newLink(t, linkOpts{loss: &lossylink.Config{Runs: []lossylink.Run{{Start: 2000, Len: 1000}}}})
	s := l.sender(SenderConfig{DisableCarousel: true, Rate: 50e6})
	sendAll(t, s, 1, 1, DefaultMaxBatch)
	waitUntil(t, 10*time.Second, "the batch", func() bool { return l.rec.delivered() == 1 })
	checkAll(t, l.rec, 1, 1, DefaultMaxBatch)
	if fs := l.fwd.Stats(); fs.Dropped != 1000 || fs.Errors != 0 {
		t.Fatalf("forwarder dropped %d with %d errors, want exactly the 1,000 of the burst", fs.Dropped, fs.Errors)
	}
	if st := l.recv.Stats(); st.Gaps != 0 || st.GroupsRepaired != 30 {
		t.Errorf("gaps %d, groups repaired %d; want 0 and 30 (every group hit)", st.Gaps, st.GroupsRepaired)
	}
}

// D7: 5,000 consecutive lost datagrams make one gap; the batch after it
// decodes and everything else arrives.
func TestLongBurstOneGap(t *testing.T) {
	skipUnderRace(t)
	const n, size = 12, 1 << 20
	l := newLink(t, linkOpts{loss: &lossylink.Config{Runs: []lossylink.Run{{Start: 2500, Len: 5000}}}})
	s := l.sender(SenderConfig{DisableCarousel: true, Rate: 200e6})
	sendAll(t, s, 1, n, size)
	waitUntil(t, 10*time.Second, "a gap and later batches", func() bool {
		return len(l.rec.eventsOf(KindGap)) > 0 && l.rec.count(n) == 1
	})
	time.Sleep(2 * tick) // let a second, wrong, gap event surface if there were one
	gaps := l.rec.eventsOf(KindGap)
	if len(gaps) != 1 {
		t.Fatalf("got %d gap events %v, want 1", len(gaps), gaps)
	}
	g := gaps[0]
	l.rec.mu.Lock()
	for seq := uint64(1); seq <= n; seq++ {
		inGap := seq >= g.First && seq <= g.Last
		if got := l.rec.counts[seq]; inGap == (got == 1) {
			t.Errorf("batch %d delivered %d times; in gap %d..%d: %v", seq, got, g.First, g.Last, inGap)
		}
	}
	l.rec.mu.Unlock()
	if g.Last+1 > n || l.rec.count(g.Last+1) != 1 {
		t.Errorf("batch %d after the gap not delivered", g.Last+1)
	}
}

// shardDropper drops shards chosen by pick, reading the clear header.
type shardDropper struct {
	mu   sync.Mutex
	pick func(h wire.Header, nth int) bool
	seen map[uint64]int // first-transmission shards seen per batch
	hits []wire.Header
}

func (d *shardDropper) drop(_ uint64, b []byte) bool {
	h, err := wire.ParseHeader(b)
	if err != nil || h.Type != wire.TypeShard || h.Flags&wire.FlagCarousel != 0 {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.seen = make(map[uint64]int)
	}
	nth := d.seen[h.Seq]
	d.seen[h.Seq]++
	if d.pick(h, nth) {
		d.hits = append(d.hits, h)
		return true
	}
	return false
}

// D3: the last datagrams of the last batch are lost; the receiver reports
// the missing tail after the next heartbeat, and with the carousel on the
// batch is then filled.
func TestTailMissing(t *testing.T) {
	const size = 300 << 10
	layout, _ := fec.NewLayout(size, DefaultShardSize,
		fec.ParityTable(DefaultMaxDataShards, DefaultDesignLoss, DefaultGroupFailure))
	total := layout.Shards()
	for _, tc := range []struct {
		name     string
		carousel bool
	}{{"no carousel", false}, {"carousel", true}} {
		t.Run(tc.name, func(t *testing.T) {
			d := &shardDropper{pick: func(h wire.Header, nth int) bool { return h.Seq == 3 && nth >= total/2 }}
			l := newLink(t, linkOpts{loss: &lossylink.Config{Drop: d.drop}})
			cfg := SenderConfig{Heartbeat: 50 * time.Millisecond, DisableCarousel: !tc.carousel,
				Carousel: []time.Duration{300 * time.Millisecond}}
			s := l.sender(cfg)
			sendAll(t, s, 1, 3, size)
			waitUntil(t, 5*time.Second, "tail missing", func() bool { return len(l.rec.eventsOf(KindTailMissing)) > 0 })
			e := l.rec.eventsOf(KindTailMissing)[0]
			if e.First != 3 || e.Last != 3 || e.Count != 1 {
				t.Errorf("tail missing %d..%d count %d, want 3..3 count 1", e.First, e.Last, e.Count)
			}
			if len(l.rec.eventsOf(KindGap)) != 0 {
				t.Errorf("gap events %v, want none", l.rec.eventsOf(KindGap))
			}
			if !tc.carousel {
				return
			}
			waitUntil(t, 5*time.Second, "gap filled", func() bool { return len(l.rec.eventsOf(KindGapFilled)) == 1 })
			checkAll(t, l.rec, 1, 3, size)
		})
	}
}

// D9: a run of 128 or 256 lost datagrams is counted exactly and the
// batches it wiped out are flagged as a gap by the next batch, not later.
func TestRunFlaggedAtOnce(t *testing.T) {
	for _, run := range []uint64{128, 256} {
		t.Run(fmt.Sprint(run), func(t *testing.T) {
			const n, size = 120, 100 // one-shard batches: k=1, m=6
			from := uint64(200)
			var mu sync.Mutex
			lostSeqs := map[uint64]int{}
			drop := func(_ uint64, b []byte) bool {
				h, err := wire.ParseHeader(b)
				if err != nil || h.Counter < from || h.Counter >= from+run {
					return false
				}
				mu.Lock()
				defer mu.Unlock()
				if h.Type == wire.TypeShard {
					lostSeqs[h.Seq]++
				}
				return true
			}
			l := newLink(t, linkOpts{loss: &lossylink.Config{Drop: drop}})
			s := l.sender(SenderConfig{DisableCarousel: true})
			sendAll(t, s, 1, n, size)
			waitUntil(t, 5*time.Second, "last batch and gap", func() bool {
				return len(l.rec.eventsOf(KindGap)) > 0 && l.rec.delivered() > 0 && l.rec.count(n) == 1
			})

			var want []uint64
			mu.Lock()
			defer mu.Unlock()
			for seq, k := range lostSeqs {
				if k == 7 {
					want = append(want, seq)
				}
			}
			slices.Sort(want)
			var got []uint64
			for _, e := range l.rec.eventsOf(KindGap) {
				for q := e.First; q <= e.Last; q++ {
					got = append(got, q)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("gap batches %v, want %v", got, want)
			}
			if st := l.recv.Stats(); st.DatagramsLost != run {
				t.Errorf("datagrams lost %d, want %d", st.DatagramsLost, run)
			}
		})
	}
}
