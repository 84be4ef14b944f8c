package lossylink

import (
	"context"
	"math"
	"net"
	"sync"
	"testing"
	"time"
)

// Exact runs drop exactly the datagrams at their positions; the rest pass
// in order, and nothing is ever written back towards the sender.
func TestRunsDropExactPositions(t *testing.T) {
	dst, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	l, err := New(Config{To: dst.LocalAddr().String(), Runs: []Run{{Start: 3, Len: 4}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { l.Run(ctx) })
	defer func() { cancel(); wg.Wait(); l.Close() }()

	src, err := net.DialUDP("udp", nil, l.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for i := range 10 {
		src.Write([]byte{byte(i)})
	}
	var got []byte
	buf := make([]byte, 16)
	dst.SetReadDeadline(time.Now().Add(5 * time.Second))
	for len(got) < 6 {
		n, err := dst.Read(buf)
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		got = append(got, buf[:n]...)
	}
	if want := []byte{0, 1, 2, 7, 8, 9}; string(got) != string(want) {
		t.Errorf("forwarded %v, want %v", got, want)
	}
	src.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, err := src.Read(buf); err == nil {
		t.Errorf("sender received %d bytes, want nothing back", n)
	}
	if s := l.Stats(); s.Dropped != 4 || s.Forwarded != 6 {
		t.Errorf("stats %+v, want 4 dropped, 6 forwarded", s)
	}
}

func TestRejectsLoss(t *testing.T) {
	for _, loss := range []float64{-0.1, 1, 2, math.NaN()} {
		if _, err := New(Config{To: "127.0.0.1:9", Loss: loss}); err == nil {
			t.Errorf("loss %g accepted, want an error", loss)
		}
	}
}
