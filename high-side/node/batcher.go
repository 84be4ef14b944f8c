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
	p := &proposal{items: items, done: make(chan outcome, 1)}
	select {
	case b.in <- p:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-b.n.stop:
		return nil, ErrShutdown
	}
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
		b.n.wg.Add(1)
		go b.commit(group)
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

// commit proposes the group as one command and hands each proposal its
// share of the results.
func (b *batcher) commit(group []*proposal) {
	defer b.n.wg.Done()
	defer func() { <-b.slots }()
	var items []fsm.Item
	for _, p := range group {
		items = append(items, p.items...)
	}
	res, err := b.n.apply(fsm.Encode(&fsm.Append{Items: items}))
	var ar *fsm.AppendResult
	if err == nil {
		if ar, _ = res.(*fsm.AppendResult); ar == nil || len(ar.Results) != len(items) {
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
	f := n.raft.Apply(cmd, time.Duration(n.cfg.Raft.ApplyTimeout))
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
