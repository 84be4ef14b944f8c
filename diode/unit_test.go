package diode

import (
	"errors"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"bastion/diode/internal/wire"
)

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	priv, pub, err := GenerateRecipientKey()
	if err != nil {
		t.Fatal(err)
	}
	kp, kq := filepath.Join(dir, "g.key"), filepath.Join(dir, "g.pub")
	if err := WritePrivateKeyFile(kp, priv); err != nil {
		t.Fatal(err)
	}
	if err := WritePublicKeyFile(kq, pub); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(kp); fi.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %04o, want 0600", fi.Mode().Perm())
	}
	got, err := ReadPrivateKeyFile(kp)
	if err != nil || string(got) != string(priv) {
		t.Errorf("ReadPrivateKeyFile: err %v, equal %v", err, string(got) == string(priv))
	}
	if got, err := ReadPublicKeyFile(kq); err != nil || string(got) != string(pub) {
		t.Errorf("ReadPublicKeyFile: err %v", err)
	}
	if err := WritePrivateKeyFile(kp, priv); err == nil {
		t.Error("overwrote an existing key file, want refusal")
	}
	os.Chmod(kp, 0o644)
	if _, err := ReadPrivateKeyFile(kp); err == nil || !strings.Contains(err.Error(), "want 0600") {
		t.Errorf("mode 0644: got %v, want a mode error", err)
	}
	if _, err := ReadPublicKeyFile(kp); err == nil {
		t.Error("read a private key file as public key, want a block type error")
	}
	bad := filepath.Join(dir, "bad.pub")
	os.WriteFile(bad, []byte("-----BEGIN BASTION DIODE PUBLIC KEY-----\nAAAA\n-----END BASTION DIODE PUBLIC KEY-----\n"), 0o644)
	if _, err := ReadPublicKeyFile(bad); err == nil {
		t.Error("accepted a 3-byte public key")
	}
}

func TestConfigRejects(t *testing.T) {
	_, pub, _ := GenerateRecipientKey()
	k := newEdKey(t)
	conn, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, tc := range []struct {
		name string
		edit func(*SenderConfig)
	}{
		{"no link", func(c *SenderConfig) { c.Link = "" }},
		{"bad link", func(c *SenderConfig) { c.Link = "a b" }},
		{"no signer", func(c *SenderConfig) { c.Signer = nil }},
		{"bad key", func(c *SenderConfig) { c.RecipientKey = pub[:10] }},
		{"heartbeat 2s", func(c *SenderConfig) { c.Heartbeat = 2 * time.Second }},
		{"groups over 256", func(c *SenderConfig) { c.MaxDataShards, c.ParityShards = 250, 10 }},
		{"loss 0.6", func(c *SenderConfig) { c.DesignLoss = 0.6 }},
		{"loss NaN", func(c *SenderConfig) { c.DesignLoss = math.NaN() }},
		{"group failure NaN", func(c *SenderConfig) { c.GroupFailure = math.NaN() }},
		{"carousel decreasing", func(c *SenderConfig) { c.Carousel = []time.Duration{time.Second, time.Millisecond} }},
	} {
		cfg := SenderConfig{Link: "l", RecipientKey: pub, Signer: k}
		tc.edit(&cfg)
		if _, err := NewSender(conn, cfg, nil); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: got %v, want ErrConfig", tc.name, err)
		}
	}
}

// FuzzReceiverDatagram feeds arbitrary datagrams to a receiver that has a
// live session: nothing may panic, and memory stays within its bounds.
func FuzzReceiverDatagram(f *testing.F) {
	l := newLink(f, linkOpts{noRun: true, recv: ReceiverConfig{MaxBatch: 1 << 16}})
	s := l.sender(SenderConfig{DisableCarousel: true, MaxBatch: 1 << 16})
	now := time.Now()
	l.recv.process(s.announce, now)
	if l.recv.cur == nil {
		f.Fatal("announcement not accepted")
	}
	h := wire.Header{Type: wire.TypeShard, Session: s.id, Seq: 1, K: 1, M: s.parity[0],
		BodyLen: uint16(DefaultShardSize + 16), BatchLen: 10, Counter: s.counter.next()}
	f.Add(s.seal(&h, make([]byte, DefaultShardSize)))
	f.Add(append([]byte(nil), s.announce...))
	f.Add([]byte{})
	f.Add(header(wire.Header{Type: 0x7f}, 3))
	f.Fuzz(func(t *testing.T, d []byte) {
		l.recv.process(d, now)
		if l.recv.mem > l.recv.cfg.MaxMemory || l.recv.limbo.bytes > l.recv.cfg.LimboBytes {
			t.Fatalf("memory %d, limbo %d beyond bounds", l.recv.mem, l.recv.limbo.bytes)
		}
	})
}

// BenchmarkBuildFrame measures the sender's work per batch besides the
// socket: copying the batch into its datagrams, Reed-Solomon parity and
// sealing every datagram in place, in batch bytes per second. Cases: the
// default code on a 1 MiB batch, and the benchmark's code (64 data and
// 16 parity shards per group) on eight groups of 1,400 and 8,900-byte
// shards.
func BenchmarkBuildFrame(b *testing.B) {
	for _, tc := range []struct {
		name string
		cfg  SenderConfig
		size int
	}{
		{"default", SenderConfig{}, 1 << 20},
		{"64+16x1400", SenderConfig{ShardSize: 1400, MaxDataShards: 64, ParityShards: 16}, 8 * 64 * 1400},
		{"64+16x8900", SenderConfig{ShardSize: 8900, MaxDataShards: 64, ParityShards: 16}, 8 * 64 * 8900},
	} {
		b.Run(tc.name, func(b *testing.B) {
			l := newLink(b, linkOpts{noRun: true})
			cfg := tc.cfg
			cfg.DisableCarousel = true
			s := l.sender(cfg)
			batch := payload(1, tc.size)
			var f frame
			w := &frameWriter{}
			b.SetBytes(int64(len(batch)))
			b.ReportAllocs()
			for b.Loop() {
				if err := s.build(&f, 1, batch, 0); err != nil {
					b.Fatal(err)
				}
				for off := 0; off < len(f.order); off += mmsgMax {
					w.seal(s, &f, f.order[off:min(off+mmsgMax, len(f.order))])
				}
			}
		})
	}
}

// BenchmarkReceiveBatch measures the receiver's processing of a 1 MiB batch
// from sealed datagrams (authentication, assembly, hand-over to the queue;
// no socket), with 5 % of datagrams missing at random so groups are rebuilt.
func BenchmarkReceiveBatch(b *testing.B) {
	l := newLink(b, linkOpts{noRun: true})
	s := l.sender(SenderConfig{DisableCarousel: true})
	now := time.Now()
	l.recv.process(s.announce, now)
	batch := payload(1, 1<<20)
	seal := func(seq uint64) [][]byte {
		var f frame
		if err := s.build(&f, seq, batch, 0); err != nil {
			b.Fatal(err)
		}
		var ds [][]byte
		rng := rand.New(rand.NewPCG(seq, 1))
		for _, d := range (&frameWriter{}).seal(s, &f, f.order) {
			if rng.IntN(20) != 0 {
				ds = append(ds, d)
			}
		}
		return ds
	}
	b.SetBytes(int64(len(batch)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ds := seal(uint64(i + 1))
		l.recv.queue = newQueue(4, 4<<20)
		b.StartTimer()
		for _, d := range ds {
			l.recv.process(d, now)
		}
	}
	if got := l.recv.Stats().Batches; got != uint64(b.N) {
		b.Fatalf("delivered %d batches, want %d", got, b.N)
	}
}

// TestSegments: a segmented message never holds two shards of one group
// and never more than the limit, and together the messages cover every
// datagram in order.
func TestSegments(t *testing.T) {
	refs := func(groups ...uint32) []shardRef {
		var rs []shardRef
		for _, g := range groups {
			rs = append(rs, shardRef{group: g})
		}
		return rs
	}
	for _, tc := range []struct {
		name string
		refs []shardRef
		max  int
		want []int
	}{
		{"rows of four", refs(0, 1, 2, 3, 0, 1, 2, 3, 0, 1), 64, []int{4, 4, 2}},
		{"limit", refs(0, 1, 2, 3, 4, 5, 6, 7), 3, []int{3, 3, 2}},
		{"one group", refs(0, 0, 0), 64, []int{1, 1, 1}},
		{"short last row", refs(0, 1, 2, 3, 2, 3), 64, []int{4, 2}},
		{"chunk starting mid-row", refs(5, 6, 7, 0, 1, 2), 64, []int{3, 3}},
		{"empty", nil, 64, nil},
	} {
		got := segments(nil, tc.refs, tc.max)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
