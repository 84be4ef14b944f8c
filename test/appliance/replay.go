package appliance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"bastion/high-side/fix"
	"bastion/high-side/intake"
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

// Tally counts what the replay got back.
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

func (t *Tally) record(id string, index uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ids == nil {
		t.ids = map[string]uint64{}
	}
	t.ids[id] = index
}

func (t *Tally) add(r intake.Receipt) {
	t.Submitted.Add(1)
	if r.Error == "" && r.ID != "" {
		t.record(r.ID, r.Index)
	}
	switch {
	case r.Error != "":
		t.Errors.Add(1)
	case r.Outcome == entry.Accept:
		t.Accept.Add(1)
	case r.Outcome == entry.Review:
		t.Review.Add(1)
	case r.Outcome == entry.Reject:
		t.Reject.Add(1)
	}
	if r.Duplicate {
		t.Duplicates.Add(1)
	}
}

const chunk = 2000

// Replay submits the input to the leader: orders and payments in bulk over
// HTTPS, the FIX orders through the FIX acceptor. It retries a chunk on
// another node when leadership moves.
func (a *Appliance) Replay(ctx context.Context, in *Input, t *Tally) error {
	type job struct {
		kind  string
		items any
		n     int
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	var first error
	var once sync.Once
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := a.submit(ctx, j.kind, j.items, t); err != nil {
					once.Do(func() { first = err })
				}
			}
		}()
	}
	for i := 0; i < len(in.Orders); i += chunk {
		e := min(i+chunk, len(in.Orders))
		jobs <- job{"orders", in.Orders[i:e], e - i}
	}
	for i := 0; i < len(in.Payments); i += chunk {
		e := min(i+chunk, len(in.Payments))
		jobs <- job{"payments", in.Payments[i:e], e - i}
	}
	close(jobs)
	wg.Wait()
	if first != nil {
		return first
	}
	return a.replayFIX(ctx, in.FIX, t)
}

func (a *Appliance) submit(ctx context.Context, kind string, items any, t *Tally) error {
	var last error
	for try := 0; try < 20; try++ {
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
		case <-time.After(250 * time.Millisecond):
		}
	}
	return fmt.Errorf("failed to submit %s: %w", kind, last)
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
	for _, o := range orders {
		begin := o.Message.BeginString
		s, ok := sessions[begin]
		if !ok {
			sc, err := fixSessionFor(begin)
			if err != nil {
				return err
			}
			if s, err = fix.Dial(ctx, addr, fix.InitiatorConfig{BeginString: sc.Begin,
				SenderCompID: sc.Sender, TargetCompID: fixCompID}); err != nil {
				return fmt.Errorf("failed to log on to the FIX acceptor: %w", err)
			}
			sessions[begin] = s
		}
		rep, err := s.Send(ctx, o.Message)
		if err != nil {
			return fmt.Errorf("FIX order from %s line %d: %w", o.File, o.Line, err)
		}
		t.Submitted.Add(1)
		if rep.OrdStatus == "8" {
			t.Reject.Add(1)
		} else {
			t.Accept.Add(1)
		}
	}
	return nil
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
