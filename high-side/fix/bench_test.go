package fix

import (
	"context"
	"net"
	"strconv"
	"testing"
)

func BenchmarkParse(b *testing.B) {
	msg := sohs(sampleOrder)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := Parse(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAcceptorOrder measures one NewOrderSingle round trip over
// loopback TCP: encode, frame, parse, submit to an in-memory fake,
// ExecutionReport back.
func BenchmarkAcceptorOrder(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	a := NewAcceptor(AcceptorConfig{CompID: acceptorID, Sessions: testSessions}, newFakeSubmitter(), nil)
	go a.Serve(ln)
	defer a.Close()
	c, err := Dial(context.Background(), ln.Addr().String(), InitiatorConfig{BeginString: FIX44, SenderCompID: "DESK1", TargetCompID: acceptorID})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	i := 0
	for b.Loop() {
		i++
		if _, err := c.SendOrder(context.Background(), testOrder("B"+strconv.Itoa(i), "AAPL")); err != nil {
			b.Fatal(err)
		}
	}
}
