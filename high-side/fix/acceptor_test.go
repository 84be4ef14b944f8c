package fix

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"bastion/high-side/intake"
	"bastion/shared/entry"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"go.uber.org/goleak"
)

const acceptorID = "BASTION"

var testSessions = []SessionConfig{
	{BeginString: FIX44, SenderCompID: "DESK1", Trader: "T1", Traders: map[string]string{"u716343": "T2", "ACCT-9": "T3"}},
	{BeginString: FIX42, SenderCompID: "DESK42", Trader: "T4"},
	{BeginString: FIX44, SenderCompID: "NODEFAULT", Traders: map[string]string{"u1": "T5"}},
}

// startAcceptor serves on a loopback port and stops at the end of the test.
func startAcceptor(t *testing.T) (string, *fakeSubmitter) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sub := newFakeSubmitter()
	a := NewAcceptor(AcceptorConfig{CompID: acceptorID, Sessions: testSessions, LogonTimeout: 2 * time.Second}, sub, nil)
	served := make(chan error, 1)
	go func() { served <- a.Serve(ln) }()
	t.Cleanup(func() {
		a.Close()
		if err := <-served; !errors.Is(err, ErrAcceptorClosed) {
			t.Errorf("Serve returned %v, want ErrAcceptorClosed", err)
		}
		goleak.VerifyNone(t)
	})
	return ln.Addr().String(), sub
}

func dial(t *testing.T, addr, sender, begin string) *Initiator {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, addr, InitiatorConfig{BeginString: begin, SenderCompID: sender, TargetCompID: acceptorID})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func testOrder(id, symbol string) NewOrderSingle {
	return NewOrderSingle{ClOrdID: id, Account: "ACCT-1", Symbol: symbol, Side: SideBuy,
		OrderQty: decimal.NewFromInt(100), OrdType: OrdTypeLimit, Price: decimal.RequireFromString("585.33"),
		TransactTime: time.Date(2012, 6, 21, 9, 30, 0, 4_000_000, time.UTC)}
}

func ctx5(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestAcceptorDecisions(t *testing.T) {
	addr, _ := startAcceptor(t)
	c := dial(t, addr, "DESK1", FIX44)
	tests := []struct {
		id, symbol string
		status     string
		text       string
		orderID    string
	}{
		{"A1", "AAPL", StatusNew, "", "1"},
		{"A2", "RSTR", StatusRejected, "RESTRICTED_LIST", "2"},
		{"A3", "HOLD", StatusPendingNew, "WATCH_LIST,NOTIONAL_LIMIT", "3"},
		{"A1", "AAPL", StatusNew, "", "1"}, // resubmission: the stored decision
		{"A4", "FAIL", StatusRejected, "SUBMIT_FAILED; status unknown, resend with the same ClOrdID", "NONE"},
	}
	for _, tt := range tests {
		t.Run(tt.id+"/"+tt.symbol, func(t *testing.T) {
			rep, err := c.SendOrder(ctx5(t), testOrder(tt.id, tt.symbol))
			if err != nil {
				t.Fatal(err)
			}
			if rep.OrdStatus != tt.status || rep.ExecType != tt.status || rep.Text != tt.text || rep.OrderID != tt.orderID {
				t.Fatalf("got status %s/%s text %q order %s, want %s text %q order %s",
					rep.ExecType, rep.OrdStatus, rep.Text, rep.OrderID, tt.status, tt.text, tt.orderID)
			}
			if rep.ClOrdID != tt.id || rep.Symbol != tt.symbol {
				t.Fatalf("got ClOrdID %s symbol %s, want %s %s", rep.ClOrdID, rep.Symbol, tt.id, tt.symbol)
			}
		})
	}
}

func TestAcceptorOrderMapping(t *testing.T) {
	addr, sub := startAcceptor(t)
	c := dial(t, addr, "DESK1", FIX44)
	o := testOrder("M1", "AAPL")
	if _, err := c.SendOrder(ctx5(t), o); err != nil {
		t.Fatal(err)
	}
	orders, actors := sub.submitted()
	want := intake.Order{ID: "fix:DESK1:M1", OrderID: "M1", Event: entry.OrderNew, Symbol: "AAPL",
		Side: entry.Buy, Quantity: 100, Price: decimal.RequireFromString("585.33"), Trader: "T1",
		Account: "ACCT-1", Source: "fix", Time: o.TransactTime.UnixNano()}
	if d := cmp.Diff([]intake.Order{want}, orders); d != "" {
		t.Fatalf("submitted (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"T1"}, actors); d != "" {
		t.Fatalf("actors (-want +got):\n%s", d)
	}
}

func TestAcceptorTraderResolution(t *testing.T) {
	addr, sub := startAcceptor(t)
	tests := []struct {
		sender, subID, account string
		trader                 string // "" means rejected as malformed
	}{
		{"DESK1", "u716343", "ACCT-9", "T2"},
		{"DESK1", "", "ACCT-9", "T3"},
		{"DESK1", "other", "ACCT-1", "T1"},
		{"NODEFAULT", "u1", "", "T5"},
		{"NODEFAULT", "u2", "", ""},
	}
	for i, tt := range tests {
		t.Run(tt.sender+"/"+tt.subID, func(t *testing.T) {
			c := dial(t, addr, tt.sender, FIX44)
			defer c.Logout(ctx5(t))
			o := testOrder("R"+string(rune('0'+i)), "AAPL")
			o.SenderSubID, o.Account = tt.subID, tt.account
			rep, err := c.SendOrder(ctx5(t), o)
			if err != nil {
				t.Fatal(err)
			}
			if tt.trader == "" {
				if rep.OrdStatus != StatusRejected || !strings.HasPrefix(rep.Text, "MALFORMED_REQUEST; no trader") {
					t.Fatalf("got %s %q, want rejected MALFORMED_REQUEST", rep.OrdStatus, rep.Text)
				}
				return
			}
			orders, _ := sub.submitted()
			if got := orders[len(orders)-1].Trader; got != tt.trader {
				t.Fatalf("got trader %q, want %q", got, tt.trader)
			}
		})
	}
}

func TestAcceptorFieldReject(t *testing.T) {
	addr, sub := startAcceptor(t)
	c := dial(t, addr, "DESK42", FIX42)
	m := testOrder("F1", "AAPL").Message(FIX42).Remove(TagSymbol)
	_, err := c.Send(ctx5(t), m)
	if err == nil || !strings.Contains(err.Error(), "tag 55") {
		t.Fatalf("got %v, want a session reject naming tag 55", err)
	}
	// The session goes on: the next order is decided.
	rep, err := c.SendOrder(ctx5(t), testOrder("F2", "AAPL"))
	if err != nil || rep.OrdStatus != StatusNew {
		t.Fatalf("got %+v, %v; want an accepted order", rep, err)
	}
	if orders, _ := sub.submitted(); len(orders) != 1 {
		t.Fatalf("got %d submissions, want 1", len(orders))
	}
}

func TestAcceptorCancel(t *testing.T) {
	addr, _ := startAcceptor(t)
	c := dial(t, addr, "DESK1", FIX44)
	if _, err := c.SendOrder(ctx5(t), testOrder("C1", "AAPL")); err != nil {
		t.Fatal(err)
	}
	cancel := func(orig, id string) ExecutionReport {
		rep, err := c.CancelOrder(ctx5(t), OrderCancelRequest{OrigClOrdID: orig, ClOrdID: id,
			Symbol: "AAPL", Side: SideBuy, TransactTime: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	if rep := cancel("C1", "C1-X"); rep.MsgType != MsgExecutionReport || rep.OrdStatus != StatusCanceled || rep.OrigClOrdID != "C1" {
		t.Fatalf("got %+v, want an ExecutionReport canceled for C1", rep)
	}
	rep := cancel("NOPE", "C2-X")
	if rep.MsgType != MsgOrderCancelReject || rep.RejectReason != "1" || rep.Text != "UNKNOWN_ORDER" {
		t.Fatalf("got %+v, want OrderCancelReject reason 1 UNKNOWN_ORDER", rep)
	}
}

func TestAcceptorFIX42Report(t *testing.T) {
	addr, _ := startAcceptor(t)
	c := dial(t, addr, "DESK42", FIX42)
	rep, err := c.SendOrder(ctx5(t), testOrder("V1", "AAPL"))
	if err != nil || rep.OrdStatus != StatusNew {
		t.Fatalf("got %+v, %v", rep, err)
	}
	if text, err := c.Logout(ctx5(t)); err != nil || text != "" {
		t.Fatalf("Logout = %q, %v; want a plain Logout reply", text, err)
	}
}

// TestLogonAfterClose: an Initiator closed and dialled again at once with
// the same SenderCompID logs on every time, and its orders go through.
func TestLogonAfterClose(t *testing.T) {
	addr, sub := startAcceptor(t)
	for i := range 50 {
		c, err := Dial(ctx5(t), addr, InitiatorConfig{BeginString: FIX44, SenderCompID: "DESK1", TargetCompID: acceptorID})
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		rep, err := c.SendOrder(ctx5(t), testOrder("Q"+strconv.Itoa(i), "AAPL"))
		c.Close()
		if err != nil || rep.OrdStatus != StatusNew {
			t.Fatalf("round %d: order status %q, %v; want accepted", i, rep.OrdStatus, err)
		}
	}
	if orders, _ := sub.submitted(); len(orders) != 50 {
		t.Errorf("%d orders submitted, want 50", len(orders))
	}
}

// TestLogonWhileLiveRefused: a second Logon as a CompID whose session is
// connected is refused, however long it waits, and the live session goes
// on as before.
func TestLogonWhileLiveRefused(t *testing.T) {
	addr, _ := startAcceptor(t)
	first := dial(t, addr, "DESK1", FIX44)
	second, err := Dial(ctx5(t), addr, InitiatorConfig{BeginString: FIX44, SenderCompID: "DESK1", TargetCompID: acceptorID})
	if err == nil {
		second.Close()
		t.Fatal("second Logon as DESK1 while the first is connected succeeded, want refusal")
	}
	if want := "session already logged on"; !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want the Logout to say %q", err, want)
	}
	rep, err := first.SendOrder(ctx5(t), testOrder("L1", "AAPL"))
	if err != nil || rep.OrdStatus != StatusNew {
		t.Fatalf("first session after the refusal: order status %q, %v; want accepted", rep.OrdStatus, err)
	}
}
