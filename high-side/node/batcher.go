package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"bastion/high-side/node/fsm"

	"github.com/hashicorp/raft"
)

// batcher groups concurrent submissions into Append commands: it gathers
// proposals until it holds MaxEntries items or MaxDelay has passed since
// the first, and keeps at most MaxInFlight commands between proposal and
// application. While every slot is taken, proposals queue and the next
// command takes them all, so the batches grow with the load.
type batcher struct {
	n          *Node
	in         chan *proposal
	slots      chan struct{}
	maxEntries int
	maxDelay   time.Duration
}

// proposal is one caller's items and where their results go.
type proposal struct {
	items []fsm.Item
	done  chan outcome // buffered: the batcher never blocks on it
}

type outcome struct {
	results []fsm.Result
	err     error
}

func newBatcher(n *Node) *batcher {
	b := n.cfg.Batch
	return &batcher{n: n, in: make(chan *proposal, 4*b.MaxInFlight),
		slots: make(chan struct{}, b.MaxInFlight), maxEntries: b.MaxEntries, maxDelay: time.Duration(b.MaxDelay)}
}

// propose commits items (at most maxEntries) and returns one result per
// item. If ctx ends first the items may still be committed later.
func (b *batcher) propose(ctx context.Context, items []fsm.Item) ([]fsm.Result, error) {
	p, err := b.enqueue(ctx, items)
	if err != nil {
		return nil, err
	}
	return b.await(ctx, p)
}

// enqueue hands items (at most maxEntries) to the batcher. Proposals
// enqueued one after the other by one goroutine are committed in that
// order: the batcher gathers them in order and proposes each command to
// Raft before it gathers the next.
func (b *batcher) enqueue(ctx context.Context, items []fsm.Item) (*proposal, error) {
	p := &proposal{items: items, done: make(chan outcome, 1)}
	select {
	case b.in <- p:
		return p, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-b.n.stop:
		return nil, ErrShutdown
	}
}

// await waits for an enqueued proposal's results.
func (b *batcher) await(ctx context.Context, p *proposal) ([]fsm.Result, error) {
	select {
	case o := <-p.done:
		return o.results, o.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-b.n.stop:
		return nil, ErrShutdown
	}
}

func (b *batcher) run() {
	defer b.n.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var carry *proposal
	for {
		select {
		case b.slots <- struct{}{}:
		case <-b.n.stop:
			return
		}
		first := carry
		if first == nil {
			select {
			case first = <-b.in:
			case <-b.n.stop:
				return
			}
		}
		var group []*proposal
		group, carry = b.gather(first, timer)
		var items []fsm.Item
		for _, p := range group {
			items = append(items, p.items...)
		}
		// Proposed here, in gathering order; only the wait for the
		// outcome runs apart.
		f := b.n.propose(fsm.Encode(&fsm.Append{Items: items}))
		b.n.wg.Add(1)
		go b.commit(group, len(items), f)
	}
}

// gather collects proposals after first until the command is full or
// maxDelay has passed. A proposal that does not fit is returned as carry.
func (b *batcher) gather(first *proposal, timer *time.Timer) (group []*proposal, carry *proposal) {
	group = []*proposal{first}
	count := len(first.items)
	timer.Reset(b.maxDelay)
	defer timer.Stop()
	for count < b.maxEntries {
		select {
		case p := <-b.in:
			if count+len(p.items) > b.maxEntries {
				return group, p
			}
			group = append(group, p)
			count += len(p.items)
		case <-timer.C:
			return group, nil
		case <-b.n.stop:
			return group, nil
		}
	}
	return group, nil
}

// commit waits for the group's command, proposed as f with n items, and
// hands each proposal its share of the results.
func (b *batcher) commit(group []*proposal, n int, f raft.ApplyFuture) {
	defer b.n.wg.Done()
	defer func() { <-b.slots }()
	res, err := b.n.outcome(f)
	var ar *fsm.AppendResult
	if err == nil {
		if ar, _ = res.(*fsm.AppendResult); ar == nil || len(ar.Results) != n {
			err = fmt.Errorf("unexpected state machine response %T", res)
		}
	}
	off := 0
	for _, p := range group {
		o := outcome{err: err}
		if err == nil {
			o.results = ar.Results[off : off+len(p.items)]
		}
		off += len(p.items)
		p.done <- o
	}
}

// apply proposes one command and returns the state machine's response. An
// error value in the response is returned as the error; losing leadership
// is a *NotLeaderError.
func (n *Node) apply(cmd []byte) (any, error) {
	return n.outcome(n.propose(cmd))
}

// propose hands cmd to Raft without waiting for it to commit. Commands
// proposed one after the other by one goroutine commit in that order.
func (n *Node) propose(cmd []byte) raft.ApplyFuture {
	return n.raft.Apply(cmd, time.Duration(n.cfg.Raft.ApplyTimeout))
}

// outcome waits for a proposed command and returns the state machine's
// response like apply.
func (n *Node) outcome(f raft.ApplyFuture) (any, error) {
	if err := f.Error(); err != nil {
		switch {
		case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost),
			errors.Is(err, raft.ErrLeadershipTransferInProgress):
			return nil, n.notLeader()
		case errors.Is(err, raft.ErrRaftShutdown):
			return nil, ErrShutdown
		}
		return nil, fmt.Errorf("failed to commit command: %w", err)
	}
	resp := f.Response()
	if err, ok := resp.(error); ok {
		if errors.Is(err, fsm.ErrHalted) {
			return nil, ErrHalted
		}
		return nil, fmt.Errorf("command rejected: %w", err)
	}
	return resp, nil
}
