package wire

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func sampleAnnounce() *Announce {
	return &Announce{Session: 42, Start: time.Unix(0, 1_700_000_000_123_456_789).UTC(), Link: "high-to-low",
		KEM: 0x647a, KDF: 1, AEAD: 2, Enc: bytes.Repeat([]byte{9}, 1120), ShardSize: 1412,
		MaxBatch: 8 << 20, Heartbeat: 500 * time.Millisecond, Interval: time.Second,
		Parity: []uint8{6, 7, 8}, Carousel: []time.Duration{time.Second, 4 * time.Second}}
}

func TestHeaderRoundTrip(t *testing.T) {
	h := Header{Type: TypeShard, Flags: FlagCarousel, Index: 7, Session: 1 << 60, Counter: 99,
		Seq: 1<<64 - 1, Group: 3, K: 200, M: 36, BodyLen: 5, BatchLen: 1 << 23}
	d := append(AppendHeader(nil, &h), 1, 2, 3, 4, 5)
	got, err := ParseHeader(d)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(h, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestParseHeaderErrors(t *testing.T) {
	good := AppendHeader(nil, &Header{Type: TypeHeartbeat})
	set := func(i int, v byte) []byte { d := bytes.Clone(good); d[i] = v; return d }
	for _, tc := range []struct {
		name string
		d    []byte
		want error
	}{
		{"empty", nil, ErrShort}, {"one byte", []byte{'B'}, ErrShort}, {"43 bytes", good[:43], ErrShort},
		{"magic", set(0, 0), ErrMagic}, {"version", set(4, 2), ErrVersion}, {"type 0x7f", set(5, 0x7f), ErrType},
	} {
		if _, err := ParseHeader(tc.d); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestAnnounceRoundTrip(t *testing.T) {
	a := sampleAnnounce()
	b := append(AppendAnnounce(nil, a), 0xAA, 0xBB)
	got, n, err := ParseAnnounce(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if n != len(b)-2 {
		t.Errorf("used %d bytes, want %d", n, len(b)-2)
	}
}

func TestAnnounceRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Announce)
	}{
		{"bad link", func(a *Announce) { a.Link = "a/b" }},
		{"empty enc", func(a *Announce) { a.Enc = nil }},
		{"tiny shard", func(a *Announce) { a.ShardSize = 1 }},
		{"group over 256", func(a *Announce) { a.Parity = []uint8{1, 255} }},
		{"carousel decreasing", func(a *Announce) { a.Carousel = []time.Duration{2 * time.Second, time.Second} }},
		{"no parity", func(a *Announce) { a.Parity = nil }},
	} {
		a := sampleAnnounce()
		tc.edit(a)
		if _, _, err := ParseAnnounce(AppendAnnounce(nil, a)); !errors.Is(err, ErrAnnounce) {
			t.Errorf("%s: got %v, want ErrAnnounce", tc.name, err)
		}
	}
}

func TestHeartbeatRoundTrip(t *testing.T) {
	h := &Heartbeat{Time: time.Unix(0, 12345).UTC(), HasBatch: true, FirstSeq: 3, LastSeq: 9,
		Batches: 7, Datagrams: 1000, Bytes: 1 << 30, CarouselResends: 14, SendErrors: 2, KernelSndbufErrors: 5}
	b := AppendHeartbeat(nil, h)
	if len(b) != HeartbeatLen {
		t.Fatalf("encoded %d bytes, want %d", len(b), HeartbeatLen)
	}
	got, err := ParseHeartbeat(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(h, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	h.FirstSeq = 10
	if _, err := ParseHeartbeat(AppendHeartbeat(nil, h)); !errors.Is(err, ErrHeartbeat) {
		t.Errorf("last before first: got %v, want ErrHeartbeat", err)
	}
}

func FuzzHeader(f *testing.F) {
	f.Add(append(AppendHeader(nil, &Header{Type: TypeShard, BodyLen: 2}), 0, 0))
	f.Add([]byte{})
	f.Add(make([]byte, HeaderLen-1))
	f.Fuzz(func(t *testing.T, d []byte) {
		h, err := ParseHeader(d)
		if err != nil {
			return
		}
		if again := AppendHeader(nil, &h); !bytes.Equal(again, d[:HeaderLen]) {
			t.Fatalf("re-encoding differs:\n%x\n%x", again, d[:HeaderLen])
		}
	})
}

func FuzzAnnounce(f *testing.F) {
	f.Add(AppendAnnounce(nil, sampleAnnounce()))
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, p []byte) {
		a, n, err := ParseAnnounce(p)
		if err != nil {
			return
		}
		if again := AppendAnnounce(nil, a); !bytes.Equal(again, p[:n]) {
			t.Fatalf("re-encoding differs:\n%x\n%x", again, p[:n])
		}
	})
}

func FuzzHeartbeat(f *testing.F) {
	f.Add(AppendHeartbeat(nil, &Heartbeat{HasBatch: true, LastSeq: 4}))
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, p []byte) {
		h, err := ParseHeartbeat(p)
		if err != nil {
			return
		}
		if again := AppendHeartbeat(nil, h); !bytes.Equal(again, p[:HeartbeatLen]) {
			t.Fatalf("re-encoding differs:\n%x\n%x", again, p[:HeartbeatLen])
		}
	})
}
