package appliance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"bastion/high-side/fix"
	"bastion/high-side/intake"
	"bastion/high-side/node/peertls"
	"bastion/high-side/replay"
	"bastion/shared/entry"
)

// Input is what one replay submits.
type Input struct {
	Orders   []intake.Order
	Payments []intake.Payment
	FIX      []replay.FIXOrder
	// Sources counts entries per source, for the summary.
	Sources map[string]int
}

// Total is the number of submissions in the input.
func (in *Input) Total() int { return len(in.Orders) + len(in.Payments) + len(in.FIX) }

// LoadInput reads the real data under dir: LOBSTER order events, PaySim
// and AMLSim payments, and the orders of the FIX logs. Without dir it
// returns the built-in generator's stream instead. limit > 0 caps each
// source, for quick runs.
func LoadInput(dir string, limit int) (*Input, error) {
	in := &Input{Sources: map[string]int{}}
	if _, err := os.Stat(dir); err != nil {
		g := replay.NewGenerator(1)
		n := 120_000
		if limit > 0 {
			n = limit
		}
		in.Orders, in.Payments = g.Orders(n/4), g.Payments(n-n/4)
		in.Sources["generator_orders"], in.Sources["generator_payments"] = len(in.Orders), len(in.Payments)
		return in, nil
	}
	cap := func(n int) int {
		if limit > 0 && n > limit {
			return limit
		}
		return n
	}

	orders, err := replay.LoadLOBSTER(filepath.Join(dir, "lobster", "AAPL_2012-06-21_34200000_57600000_message_10_first999.csv"))
	if err != nil {
		return nil, err
	}
	in.Orders = orders[:cap(len(orders))]
	in.Sources["lobster"] = len(in.Orders)

	pay, err := replay.LoadPaySim(filepath.Join(dir, "paysim", "paysim_sample_10k.csv"))
	if err != nil {
		return nil, err
	}
	for _, p := range pay[:cap(len(pay))] {
		in.Payments = append(in.Payments, p.Item)
	}
	in.Sources["paysim"] = cap(len(pay))

	aml, err := replay.LoadAMLSim(filepath.Join(dir, "amlsim", "20K_fanin200cycle200", "transactions.csv"))
	if err != nil {
		return nil, err
	}
	in.Payments = append(in.Payments, aml[:cap(len(aml))]...)
	in.Sources["amlsim"] = cap(len(aml))

	fo, _, err := replay.FIXOrders(filepath.Join(dir, "fix", "log4fix"))
	if err != nil {
		return nil, err
	}
	in.FIX = fo
	in.Sources["fix"] = len(fo)
	return in, nil
}

// Tally counts what the replay got back. Every receipt lands in exactly
// one of three classes: an error (a malformed submission, never recorded,
// however often it is sent), a duplicate (an id this tally has counted as
// recorded before, answered with its stored decision) or a new entry. So
// Submitted = new entries + Duplicates + Errors, and the ledger grows by
// Submitted - Duplicates - Errors. Accept, Review, Reject and Errors also
// add up to Submitted: a duplicate counts under its stored decision.
//
// Duplicates are the tally's own finding, not the receipt's Duplicate
// flag: a chunk resent after a change of leader gets the flag on entries
// the first attempt recorded but never reported, and those are new to the
// tally. A Tally is safe for concurrent use.
type Tally struct {
	Submitted  atomic.Int64
	Accept     atomic.Int64
	Review     atomic.Int64
	Reject     atomic.Int64
	Errors     atomic.Int64
	Duplicates atomic.Int64

	mu  sync.Mutex
	ids map[string]uint64 // recorded entry id -> ledger index
}

// Recorded returns the ids of the recorded entries with their ledger
// indexes.
func (t *Tally) Recorded() map[string]uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]uint64, len(t.ids))
	for k, v := range t.ids {
		out[k] = v
	}
	return out
}

// record notes that id is recorded at index and reports whether the tally
// had seen it recorded before.
func (t *Tally) record(id string, index uint64) (seen bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ids == nil {
		t.ids = map[string]uint64{}
	}
	if _, seen = t.ids[id]; !seen {
		t.ids[id] = index
	}
	return seen
}

// add counts r. A receipt with no error and an outcome other than accept,
// review or reject (a reply the harness cannot read) counts as an error.
func (t *Tally) add(r intake.Receipt) {
	t.Submitted.Add(1)
	var decided *atomic.Int64
	switch r.Outcome {
	case entry.Accept:
		decided = &t.Accept
	case entry.Review:
		decided = &t.Review
	case entry.Reject:
		decided = &t.Reject
	}
	if r.Error != "" || decided == nil {
		t.Errors.Add(1)
		return
	}
	if r.ID != "" && t.record(r.ID, r.Index) {
		t.Duplicates.Add(1)
	}
	decided.Add(1)
}

// ReplayChunk is the most submissions Replay sends in one request.
const ReplayChunk = 2000

// Replay submits the input to the leader: orders and payments in bulk over
// HTTPS, in input order, ReplayChunk at a time; then the FIX orders one by
// one through the FIX acceptor. A chunk is sent again, with the same ids,
// when leadership moves: ids already recorded return their stored
// receipts.
//
// The leader decides each chunk against the monitor's state after the
// chunks before it. With Options.InputOrder, each chunk is committed in
// input order, and the same input gets the same decisions on every run
// except when: leadership moves during the replay (the rest of a resent
// chunk is decided against a state that holds its first part); the
// replay lasts longer than the shortest payment window (1 h); or the
// leader's clock puts related submissions on different sides of a rule's
// window (the order rules measure 1 s to 10 min on it, the FIX orders go
// one by one, and marking the close looks at the 10 minutes before 16:00
// New York time). Without InputOrder, decisions after the first chunk may
// differ from run to run.
func (a *Appliance) Replay(ctx context.Context, in *Input, t *Tally) error {
	for i := 0; i < len(in.Orders); i += ReplayChunk {
		if err := a.submit(ctx, "orders", in.Orders[i:min(i+ReplayChunk, len(in.Orders))], t); err != nil {
			return err
		}
	}
	for i := 0; i < len(in.Payments); i += ReplayChunk {
		if err := a.submit(ctx, "payments", in.Payments[i:min(i+ReplayChunk, len(in.Payments))], t); err != nil {
			return err
		}
	}
	return a.replayFIX(ctx, in.FIX, t)
}

// submitPatience is how long a chunk is retried while no leader answers.
const submitPatience = 2 * time.Minute

func (a *Appliance) submit(ctx context.Context, kind string, items any, t *Tally) error {
	var last error
	deadline := time.Now().Add(submitPatience)
	for wait := 100 * time.Millisecond; time.Now().Before(deadline); wait = min(2*wait, 2*time.Second) {
		i, _, err := a.Leader(ctx)
		if err == nil {
			var rs []intake.Receipt
			if rs, err = a.Client.Submit(ctx, a.Gateway(i), kind, items); err == nil {
				for _, r := range rs {
					t.add(r)
				}
				return nil
			}
		}
		last = err
		if err := a.Check(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
	return fmt.Errorf("failed to submit %s for %v: %w", kind, submitPatience, last)
}

// replayFIX logs on to the leader's FIX acceptor once per FIX version and
// sends the logged orders of that version.
func (a *Appliance) replayFIX(ctx context.Context, orders []replay.FIXOrder, t *Tally) error {
	if len(orders) == 0 {
		return nil
	}
	i, _, err := a.Leader(ctx)
	if err != nil {
		return err
	}
	addr := a.Layout.addr(a.Layout.Nodes[i].FIX)
	sessions := map[string]*fix.Initiator{}
	defer func() {
		for _, s := range sessions {
			s.Close()
		}
	}()
	senders := map[string]string{} // BeginString -> SenderCompID
	for _, o := range orders {
		begin := o.Message.BeginString
		s, ok := sessions[begin]
		if !ok {
			sc, err := fixSessionFor(begin)
			if err != nil {
				return err
			}
			tc, err := peertls.GatewayClientConfig(a.Layout.PKIDir(), "replay")
			if err != nil {
				return err
			}
			if s, err = fix.Dial(ctx, addr, fix.InitiatorConfig{BeginString: sc.Begin,
				SenderCompID: sc.Sender, TargetCompID: fixCompID, TLS: tc}); err != nil {
				return fmt.Errorf("failed to log on to the FIX acceptor: %w", err)
			}
			sessions[begin], senders[begin] = s, sc.Sender
		}
		rep, err := s.Send(ctx, o.Message)
		if err != nil {
			return fmt.Errorf("FIX order from %s line %d: %w", o.File, o.Line, err)
		}
		t.add(fixReceipt(senders[begin], rep))
	}
	return nil
}

// fixReceipt reads the receipt an execution report stands for: a
// rejection without a ledger index (OrderID NONE) was never recorded and
// counts as an error, pending new or pending cancel is a review, and the
// idempotency key is the acceptor's ("fix:" SenderCompID ":" ClOrdID).
func fixReceipt(sender string, rep fix.ExecutionReport) intake.Receipt {
	r := intake.Receipt{ID: "fix:" + sender + ":" + rep.ClOrdID, Outcome: entry.Accept}
	idx, err := strconv.ParseUint(rep.OrderID, 10, 64)
	if err == nil {
		r.Index = idx
	}
	rejected := rep.OrdStatus == fix.StatusRejected || rep.MsgType == fix.MsgOrderCancelReject
	switch {
	case rejected && err != nil:
		r.Error = rep.Text
		if r.Error == "" {
			r.Error = "rejected without a ledger index"
		}
	case rejected:
		r.Outcome = entry.Reject
	case rep.OrdStatus == fix.StatusPendingNew || rep.OrdStatus == "6": // 6: pending cancel
		r.Outcome = entry.Review
	}
	return r
}

func fixSessionFor(begin string) (struct{ Begin, Sender, Trader string }, error) {
	for _, s := range fixSessions {
		if fixVersion(s.Begin) == fixVersion(begin) {
			return s, nil
		}
	}
	return fixSessions[0], errors.New("no FIX session for " + begin)
}

func fixVersion(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '.' {
			out = append(out, s[i])
		}
	}
	return string(out)
}
