package node

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

	"bastion/shared/entry"

	"github.com/hashicorp/raft"
)

// progress is the leader-side state of the current term: whether the
// monitor has been rebuilt (ready) and how much of the ledger it has
// observed. Waiters block on changed, which is closed and replaced at
// every update.
type progress struct {
	mu       sync.Mutex
	ready    bool
	observed uint64
	changed  chan struct{}
}

func (p *progress) init() { p.changed = make(chan struct{}) }

func (p *progress) set(ready bool, observed uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ready, p.observed = ready, observed
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *progress) get() (ready bool, observed uint64, changed <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ready, p.observed, p.changed
}

// IsLeader reports whether this node is the Raft leader.
func (n *Node) IsLeader() bool { return n.raft.State() == raft.Leader }

// Leader returns the leader's node ID and gateway address, or empty
// strings while no leader is known.
func (n *Node) Leader() (id, gateway string) {
	_, lid := n.raft.LeaderWithID()
	return string(lid), n.gateways[lid]
}

// LeaderCh delivers true when this node becomes leader and is ready for
// submissions (the monitor rebuilt), and false when it loses leadership. It
// holds only the latest value: a slow reader misses intermediate changes,
// never the last one. There is one channel per node, for one reader (the
// exporter).
func (n *Node) LeaderCh() <-chan bool { return n.leaderCh }

func (n *Node) publishLeadership(v bool) {
	for {
		select {
		case n.leaderCh <- v:
			return
		default:
		}
		select {
		case <-n.leaderCh:
		default:
		}
	}
}

// notLeader returns the error a follower gives for writes.
func (n *Node) notLeader() error {
	id, gw := n.Leader()
	return &NotLeaderError{LeaderID: id, Leader: gw}
}

// term is one running leader term.
type term struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// end stops the term and waits for it; a nil term is a no-op.
func (t *term) end() {
	if t != nil {
		t.cancel()
		<-t.done
	}
}

// watchLeadership follows Raft's leadership changes and runs one leader
// term at a time.
func (n *Node) watchLeadership() {
	defer n.wg.Done()
	var cur *term
	for {
		select {
		case <-n.stop:
			cur.end()
			n.progress.set(false, 0)
			n.resetPending()
			return
		case isLeader := <-n.raft.LeaderCh():
			cur.end()
			cur = nil
			n.progress.set(false, 0)
			n.resetPending()
			if !isLeader {
				n.logger.Info("leadership lost")
				n.publishLeadership(false)
				continue
			}
			ctx, cancel := context.WithCancel(context.Background())
			cur = &term{cancel: cancel, done: make(chan struct{})}
			go n.serveTerm(ctx, cur.done)
		}
	}
}

// serveTerm runs while this node leads: it waits until entries of earlier
// terms are applied, rebuilds the monitor from the ledger, declares the
// node ready, then feeds the monitor every newly applied entry in order.
func (n *Node) serveTerm(ctx context.Context, done chan struct{}) {
	defer close(done)
	if err := n.raft.Barrier(0).Error(); err != nil {
		n.logger.Warn("leader barrier failed", slog.Any("error", err))
		return
	}
	wake, unwatch := n.Watch()
	defer unwatch()
	n.opts.Monitor.Reset()

	var observed uint64
	announced := false
	for {
		size := n.fsm.LedgerSize()
		for ; observed < size && ctx.Err() == nil; observed++ {
			if err := n.observe(observed); err != nil {
				n.logger.Error("failed to replay entry into the monitor",
					slog.Uint64("index", observed), slog.Any("error", err))
			}
			n.switchPackAt(observed)
		}
		if ctx.Err() != nil {
			return
		}
		n.progress.set(true, observed)
		if !announced {
			announced = true
			n.logger.Info("leading; monitor rebuilt", slog.Uint64("ledger_size", observed))
			n.publishLeadership(true)
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return
		}
	}
}

// observe feeds the entry at index, with its openings, to the monitor:
// the leader's own draft when it has it, else the entry read back from the
// ledger.
func (n *Node) observe(index uint64) error {
	if ob, ok := n.take(index); ok {
		n.feed(ob)
		return nil
	}
	l := n.Ledger()
	raw, err := l.Entry(index)
	if err != nil {
		return err
	}
	var e entry.Envelope
	if err := json.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("malformed entry: %v", err)
	}
	var openings []entry.Opening
	if b, err := l.Openings(index); err != nil {
		return err
	} else if len(b) > 0 {
		if err := json.Unmarshal(b, &openings); err != nil {
			return fmt.Errorf("malformed openings: %v", err)
		}
	}
	ob, err := observationOf(&e, openings)
	if err != nil {
		return err
	}
	n.feed(ob)
	return nil
}

// waitReady blocks until this node leads with its monitor rebuilt. It
// returns a *NotLeaderError as soon as another node leads.
func (n *Node) waitReady(ctx context.Context) error {
	for {
		ready, _, changed := n.progress.get()
		if ready {
			return nil
		}
		if !n.IsLeader() {
			return n.notLeader()
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-n.stop:
			return ErrShutdown
		}
	}
}

// waitObserved blocks until the monitor has observed the entry at index,
// so that a client's next submission is decided with it. It returns early,
// without error, when leadership ends: the entry is committed either way.
func (n *Node) waitObserved(ctx context.Context, index uint64) {
	for {
		ready, observed, changed := n.progress.get()
		if !ready || observed > index {
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		case <-n.stop:
			return
		}
	}
}
