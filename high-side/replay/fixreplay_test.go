package replay

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"bastion/high-side/fix"
	"bastion/high-side/intake"
	"bastion/shared/entry"
)

// acceptAll accepts every order and remembers it; a repeated id returns
// the first receipt.
type acceptAll struct {
	mu     sync.Mutex
	orders []intake.Order
	seen   map[string]intake.Receipt
}

func (a *acceptAll) SubmitOrders(ctx context.Context, actor string, orders []intake.Order) ([]intake.Receipt, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []intake.Receipt
	for _, o := range orders {
		r, ok := a.seen[o.ID]
		if ok {
			r.Duplicate = true
		} else {
			a.orders = append(a.orders, o)
			r = intake.Receipt{ID: o.ID, Index: uint64(len(a.orders)), Outcome: entry.Accept}
			a.seen[o.ID] = r
		}
		out = append(out, r)
	}
	return out, nil
}

func (a *acceptAll) SubmitPayments(context.Context, string, []intake.Payment) ([]intake.Receipt, error) {
	return nil, errors.New("not used")
}

func (a *acceptAll) Receipt(context.Context, string) (intake.Receipt, bool, error) {
	return intake.Receipt{}, false, nil
}

// TestFIXLogReplay sends every logged NewOrderSingle through a real
// acceptor on loopback.
func TestFIXLogReplay(t *testing.T) {
	orders, _, err := FIXOrders(dataFile(t, FIXLogDir))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sub := &acceptAll{seen: map[string]intake.Receipt{}}
	acc := fix.NewAcceptor(fix.AcceptorConfig{CompID: "BCExchange", Sessions: []fix.SessionConfig{
		{BeginString: fix.FIX42, SenderCompID: "CoyTrade", Trader: "T1", Traders: map[string]string{"u716343": "T2"}},
	}}, sub, nil)
	go acc.Serve(ln)
	defer acc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := fix.Dial(ctx, ln.Addr().String(), fix.InitiatorConfig{BeginString: fix.FIX42, SenderCompID: "CoyTrade", TargetCompID: "BCExchange"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, o := range orders {
		rep, err := c.Send(ctx, o.Message)
		if err != nil {
			t.Fatalf("%s:%d: %v", o.File, o.Line, err)
		}
		if rep.OrdStatus != fix.StatusNew {
			t.Fatalf("%s:%d: got OrdStatus %s (%s), want new", o.File, o.Line, rep.OrdStatus, rep.Text)
		}
	}
	// Nine logged orders carry three distinct ClOrdIDs: 1, 71-593, 72-14.
	if len(sub.orders) != 3 {
		t.Fatalf("got %d distinct orders, want 3", len(sub.orders))
	}
	for _, o := range sub.orders {
		if o.Source != "fix" || o.Trader == "" {
			t.Errorf("got %+v, want source fix with a trader", o)
		}
	}
}
