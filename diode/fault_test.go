package diode

import (
	"context"
	"math/rand/v2"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"bastion/diode/internal/wire"

	"github.com/prometheus/client_golang/prometheus"
)

// raw sends datagrams straight to the receiver socket.
func (l *link) raw(ds ...[]byte) {
	l.t.Helper()
	c, err := net.DialUDP("udp", nil, l.recvConn.LocalAddr().(*net.UDPAddr))
	if err != nil {
		l.t.Fatal(err)
	}
	defer c.Close()
	for _, d := range ds {
		if _, err := c.Write(d); err != nil {
			l.t.Fatal(err)
		}
	}
}

func header(h wire.Header, body int) []byte {
	h.BodyLen = uint16(body)
	return append(wire.AppendHeader(nil, &h), make([]byte, body)...)
}

// D6, D11: short, truncated and ill-typed datagrams are counted and change
// nothing else.
func TestMalformedDatagrams(t *testing.T) {
	good := header(wire.Header{Type: wire.TypeShard, Session: 7}, 10)
	mutate := func(i int, v byte) []byte { d := append([]byte(nil), good...); d[i] = v; return d }
	cases := []struct {
		name        string
		d           []byte
		malformed   uint64
		unknownType uint64
	}{
		{"empty", []byte{}, 1, 0},
		{"one byte", []byte{'B'}, 1, 0},
		{"header minus one", good[:wire.HeaderLen-1], 1, 0},
		{"bad magic", mutate(0, 'X'), 1, 0},
		{"bad version", mutate(4, 9), 1, 0},
		{"type 0x7f", mutate(5, 0x7f), 0, 1},
		{"type 0", mutate(5, 0), 0, 1},
		{"unknown flag", mutate(6, 0x80), 1, 0},
		{"body length lies", good[:len(good)-1], 1, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newLink(t, linkOpts{})
			l.raw(tc.d)
			waitUntil(t, 5*time.Second, "datagram read", func() bool { return l.recv.Stats().Datagrams == 1 })
			st := l.recv.Stats()
			if st.Malformed != tc.malformed || st.UnknownType != tc.unknownType {
				t.Errorf("malformed %d, unknown type %d; want %d, %d", st.Malformed, st.UnknownType, tc.malformed, tc.unknownType)
			}
			if st.UnknownSession != 0 || st.LimboDatagrams != 0 || st.MemoryBytes != 0 {
				t.Errorf("state changed: %+v", st)
			}
			want := KindMalformed
			if tc.unknownType > 0 {
				want = KindUnknownType
			}
			waitUntil(t, 5*time.Second, want.String()+" event", func() bool { return len(l.rec.eventsOf(want)) == 1 })
		})
	}
}

// D2: a sender that starts at full speed against a fresh receiver loses
// nothing in the first thousands of datagrams.
func TestColdStart(t *testing.T) {
	l := newLink(t, linkOpts{})
	s := l.sender(SenderConfig{DisableCarousel: true, Rate: RateUnlimited})
	sendAll(t, s, 1, 4, 1<<20) // about 3,500 datagrams back to back
	waitUntil(t, 10*time.Second, "batches", func() bool { return l.rec.delivered() == 4 })
	checkAll(t, l.rec, 1, 4, 1<<20)
	st := l.recv.Stats()
	if st.Gaps != 0 || st.SocketDrops != 0 {
		t.Errorf("gaps %d, socket drops %d; want 0, 0", st.Gaps, st.SocketDrops)
	}
	if st.SocketBuffer < 8<<20 {
		t.Errorf("socket buffer %d bytes, want at least 8 MiB", st.SocketBuffer)
	}
}

// D4: a sender dies mid-batch and a new one resends: the partial batch is
// discarded, the restart reported within 3 s, the batch delivered once.
func TestSenderRestart(t *testing.T) {
	l := newLink(t, linkOpts{})
	s1 := l.sender(SenderConfig{Rate: 1e6, Burst: 64 << 10})
	sendAll(t, s1, 1, 1, 1000)
	// Batch 2 takes about a second at this rate: the crash cuts it short.
	if err := s1.Send(context.Background(), 2, payload(2, 1<<20)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	s1.halt(false)
	if st := s1.Stats(); st.Batches != 1 || st.LastSeq != 1 {
		t.Fatalf("sender finished %d batches up to %d, want 1 up to 1 (batch 2 cut short)", st.Batches, st.LastSeq)
	}
	waitUntil(t, 5*time.Second, "batch 1", func() bool { return l.rec.count(1) == 1 })

	s2 := l.sender(SenderConfig{DisableCarousel: true})
	started := time.Now()
	sendAll(t, s2, 2, 2, 1<<20)
	waitUntil(t, 5*time.Second, "batches 2 and 3", func() bool { return l.rec.count(2) == 1 && l.rec.count(3) == 1 })
	restarts := l.rec.eventsOf(KindSenderRestart)
	if len(restarts) != 1 {
		t.Fatalf("got %d restart events, want 1", len(restarts))
	}
	if d := restarts[0].Time.Sub(started); d > 3*time.Second {
		t.Errorf("restart reported after %v, want within 3 s", d)
	}
	gaps := l.rec.eventsOf(KindGap)
	if len(gaps) != 1 || gaps[0].First != 2 || gaps[0].Last != 2 {
		t.Errorf("gap events %v, want one for batch 2", gaps)
	}
	for seq := uint64(1); seq <= 3; seq++ {
		if n := l.rec.count(seq); n != 1 {
			t.Errorf("batch %d delivered %d times, want once", seq, n)
		}
	}
	if st := l.recv.Stats(); st.SenderRestarts != 1 {
		t.Errorf("sender restarts %d, want 1", st.SenderRestarts)
	}
}

// D5: a slow consumer: the queue bound holds, drops are counted and
// exported, the kernel counters are exported, no batch arrives twice.
func TestSlowConsumer(t *testing.T) {
	reg := prometheus.NewRegistry()
	l := newLink(t, linkOpts{slow: 20 * time.Millisecond,
		recv: ReceiverConfig{QueueBatches: 4, QueueBytes: 8 << 20, Registerer: reg}})
	s := l.sender(SenderConfig{DisableCarousel: true})
	sendAll(t, s, 1, 60, 10<<10)
	waitUntil(t, 10*time.Second, "queue drops", func() bool { return l.recv.Stats().QueueDrops > 0 })
	waitUntil(t, 10*time.Second, "queue drained", func() bool {
		st := l.recv.Stats()
		return st.Batches+st.QueueDrops == 60 && uint64(l.rec.delivered()) == st.Batches
	})
	l.rec.mu.Lock()
	for seq, n := range l.rec.counts {
		if n != 1 {
			t.Errorf("batch %d delivered %d times, want once", seq, n)
		}
	}
	l.rec.mu.Unlock()
	if st := l.recv.Stats(); st.Gaps != 0 || st.QueueBatches != 0 {
		t.Errorf("gaps %d, queued %d; want 0, 0", st.Gaps, st.QueueBatches)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]float64{}
	for _, f := range families {
		found[f.GetName()] = f.GetMetric()[0].GetCounter().GetValue() + f.GetMetric()[0].GetGauge().GetValue()
	}
	for _, name := range []string{"bastion_diode_receiver_queue_drops_total",
		"bastion_diode_receiver_socket_drops_total", "bastion_diode_receiver_kernel_rcvbuf_errors_total",
		"bastion_diode_receiver_queue_batches", "bastion_diode_receiver_handler_seconds_total"} {
		if _, ok := found[name]; !ok {
			t.Errorf("metric %s not exported", name)
		}
	}
	if found["bastion_diode_receiver_queue_drops_total"] == 0 {
		t.Errorf("queue drops metric 0, want > 0")
	}
}

// D8: when the kernel drops datagrams at a full socket buffer, our loss
// counter sees exactly those drops, and the host counter at least as many.
// The kernel counts a segmented message that arrived whole (UDP GRO) as one
// drop, so with segmentation offload the datagrams lost lie between the
// drops and the drops times the datagrams per message.
func TestLossMatchesKernelDrops(t *testing.T) {
	for _, tc := range []struct {
		name    string
		segment bool
	}{{"datagram by datagram", false}, {"segmented", true}} {
		t.Run(tc.name, func(t *testing.T) {
			before, _, err := udpCounters()
			if err != nil {
				t.Skipf("no kernel UDP counters: %v", err)
			}
			l := newLink(t, linkOpts{noRun: true, recv: ReceiverConfig{SocketBuffer: 64 << 10}})
			// Announcements carry no counter: keep their repeats out of
			// this test.
			s := l.sender(SenderConfig{DisableCarousel: true, Rate: RateUnlimited, Heartbeat: 50 * time.Millisecond,
				AnnounceInterval: time.Minute, NoSegmentOffload: !tc.segment})
			sendAll(t, s, 1, 1, 2<<20) // far more than the buffer holds while nobody reads
			l.start()
			exact := func(st ReceiverStats) bool { return st.DatagramsLost == st.SocketDrops }
			if tc.segment {
				exact = func(st ReceiverStats) bool {
					return st.DatagramsLost >= st.SocketDrops && st.DatagramsLost <= st.SocketDrops*segmentMax
				}
			}
			waitUntil(t, 5*time.Second, "drops counted", func() bool {
				st := l.recv.Stats()
				return st.Heartbeats >= 2 && st.SocketDrops > 0 && exact(st)
			})
			st := l.recv.Stats()
			if st.SocketDrops == 0 {
				t.Fatal("socket drops 0, want the kernel to have dropped")
			}
			if !exact(st) {
				t.Errorf("datagrams lost %d, kernel socket drops %d; want them to agree", st.DatagramsLost, st.SocketDrops)
			}
			if st.KernelRcvbufErrs-before < st.SocketDrops {
				t.Errorf("host RcvbufErrors rose by %d, want at least %d", st.KernelRcvbufErrs-before, st.SocketDrops)
			}
			if st.Sender.Datagrams == 0 {
				t.Errorf("sender report missing from heartbeat")
			}
		})
	}
}

// D10, D12: datagrams of 100,000 random sessions, some claiming huge
// batches, and forged announcements: memory stays bounded, limbo expires,
// and a real sender still gets through.
func TestSessionFlood(t *testing.T) {
	l := newLink(t, linkOpts{recv: ReceiverConfig{LimboTTL: 200 * time.Millisecond, LimboDatagrams: 1000,
		SessionTimeout: 500 * time.Millisecond}})
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heap := ms.HeapInuse
	rng := rand.New(rand.NewPCG(1, 2))
	c, err := net.DialUDP("udp", nil, l.recvConn.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 100_000 {
		h := wire.Header{Type: wire.TypeShard, Session: rng.Uint64(), Counter: 1, BatchLen: 1<<32 - 1, K: 255, M: 1}
		d := header(h, 16)
		if i%10 == 0 {
			d = d[:13] // a 13-byte datagram
		}
		c.Write(d)
	}
	forged := forgedAnnouncement(rng.Uint64())
	for range 100 {
		c.Write(forged)
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	if grow := int64(ms.HeapInuse) - int64(heap); grow > 32<<20 {
		t.Errorf("heap grew by %d bytes, want under 32 MiB", grow)
	}
	st := l.recv.Stats()
	if st.LimboDatagrams > 1000 || st.MemoryBytes != 0 || st.Session != 0 {
		t.Errorf("limbo %d (max 1000), memory %d, session %x; want bounded, 0, 0", st.LimboDatagrams, st.MemoryBytes, st.Session)
	}
	waitUntil(t, 5*time.Second, "limbo expiry", func() bool { return l.recv.Stats().LimboDatagrams == 0 })

	s := l.sender(SenderConfig{DisableCarousel: true, Heartbeat: 50 * time.Millisecond})
	sendAll(t, s, 1, 1, 5000)
	waitUntil(t, 5*time.Second, "real batch", func() bool { return l.rec.count(1) == 1 })
	s.halt(false)
	waitUntil(t, 5*time.Second, "session expiry", func() bool { return len(l.rec.eventsOf(KindSessionExpired)) == 1 })
	if len(l.rec.eventsOf(KindHeartbeatMissed)) != 1 {
		t.Errorf("heartbeat missed events %d, want 1", len(l.rec.eventsOf(KindHeartbeatMissed)))
	}
	st = l.recv.Stats()
	if st.Session != 0 || st.AuthFailures+st.VerifyDropped != 100 {
		t.Errorf("session %x, auth failures %d + verify dropped %d; want 0 and 100 in all",
			st.Session, st.AuthFailures, st.VerifyDropped)
	}
}

// forgedAnnouncement is a well-formed announcement with a bad signature.
func forgedAnnouncement(session uint64) []byte {
	a := &wire.Announce{Session: session, Start: time.Now(), Link: "test-link", KEM: kem.ID(),
		KDF: suiteKDF.ID(), AEAD: suiteAEAD.ID(), Enc: make([]byte, 1120), ShardSize: 1000,
		MaxBatch: 1 << 30, Heartbeat: time.Second, Interval: time.Second, Parity: []uint8{1}}
	body := append(wire.AppendAnnounce(nil, a), make([]byte, 64)...)
	h := wire.Header{Type: wire.TypeAnnounce, Session: session, BodyLen: uint16(len(body))}
	return append(wire.AppendHeader(nil, &h), body...)
}

// D13: datagrams that pass the AEAD but whose fields lie are rejected with
// a clear reason and change nothing.
func TestAuthenticatedLies(t *testing.T) {
	l := newLink(t, linkOpts{recv: ReceiverConfig{MaxBatch: 1 << 20}})
	s := l.sender(SenderConfig{DisableCarousel: true, MaxBatch: 1 << 20})
	sendAll(t, s, 1, 1, 3000) // session up, batch 1 of 3 shards: k=3
	waitUntil(t, 5*time.Second, "batch 1", func() bool { return l.rec.count(1) == 1 })
	k, m := uint8(3), s.parity[2]
	shard := make([]byte, DefaultShardSize)
	cases := []struct {
		name string
		h    wire.Header
		want string
	}{
		{"batch over limit", wire.Header{Seq: 2, K: k, M: m, BatchLen: 1<<32 - 1}, "limit"},
		{"group outside layout", wire.Header{Seq: 3, Group: 9, K: k, M: m, BatchLen: 3000}, "group 9 of 1"},
		{"wrong k", wire.Header{Seq: 4, K: 2, M: m, BatchLen: 3000}, "layout"},
		{"index outside group", wire.Header{Seq: 5, Index: 255, K: k, M: m, BatchLen: 3000}, "layout"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.h
			h.Type, h.Session, h.BodyLen = wire.TypeShard, s.id, uint16(len(shard)+16)
			h.Counter = s.counter.next()
			s.write(s.seal(&h, shard))
			waitUntil(t, 5*time.Second, "malformed count", func() bool { return l.recv.Stats().Malformed == uint64(i+1) })
			st := l.recv.Stats()
			if st.MemoryBytes != 0 || st.AuthFailures != 0 {
				t.Errorf("memory %d, auth failures %d; want 0, 0", st.MemoryBytes, st.AuthFailures)
			}
		})
	}
	time.Sleep(l.recv.cfg.EventInterval + 2*tick)
	var msgs []string
	for _, e := range l.rec.eventsOf(KindMalformed) {
		msgs = append(msgs, e.Message)
	}
	if !strings.Contains(strings.Join(msgs, "\n"), "authenticated shard") {
		t.Errorf("malformed events %q do not say the shard was authenticated", msgs)
	}
	// A lying length in a heartbeat body: first sequence after last.
	hb := wire.AppendHeartbeat(nil, &wire.Heartbeat{HasBatch: true, FirstSeq: 9, LastSeq: 1})
	h := wire.Header{Type: wire.TypeHeartbeat, Session: s.id, BodyLen: uint16(len(hb) + 1 + 16)}
	h.Counter = s.counter.next()
	s.write(s.seal(&h, append(hb, 0)))
	waitUntil(t, 5*time.Second, "heartbeat rejected", func() bool { return l.recv.Stats().Malformed == uint64(len(cases)+1) })
}
