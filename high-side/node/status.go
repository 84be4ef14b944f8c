package node

import (
	"fmt"

	"bastion/high-side/ledger"
	"bastion/shared/merkle"
)

// Status is a node's view of the cluster and its ledger, for operators and
// health checks. It encodes as JSON.
type Status struct {
	NodeID       string      `json:"node_id"`
	State        string      `json:"state"` // Follower, Candidate, Leader or Shutdown
	Ready        bool        `json:"ready"` // leading with the monitor rebuilt
	Term         uint64      `json:"term"`
	LeaderID     string      `json:"leader_id,omitempty"`
	CommitIndex  uint64      `json:"commit_index"`  // Raft log index known committed
	AppliedIndex uint64      `json:"applied_index"` // Raft log index in the state file
	LedgerSize   uint64      `json:"ledger_size"`   // entries
	Root         merkle.Hash `json:"root"`          // RFC 6962 root of LedgerSize entries
	Halted       string      `json:"halted,omitempty"`
}

// Status returns the node's current status. It fails only when the ledger
// root cannot be read.
func (n *Node) Status() (Status, error) {
	ready, _, _ := n.progress.get()
	leader, _ := n.Leader()
	s := Status{
		NodeID: n.cfg.NodeID, State: n.raft.State().String(), Ready: ready,
		Term: n.raft.CurrentTerm(), LeaderID: leader, CommitIndex: n.raft.CommitIndex(),
		AppliedIndex: n.fsm.AppliedIndex(), LedgerSize: n.fsm.LedgerSize(),
	}
	if err := n.fsm.Halted(); err != nil {
		s.Halted = err.Error()
	}
	root, err := n.Ledger().Root(s.LedgerSize)
	if err != nil {
		return s, fmt.Errorf("failed to read ledger root: %w", err)
	}
	s.Root = root
	return s, nil
}

// Ledger returns the ledger in the node's current state file. A snapshot
// restore replaces it, so callers fetch it for each use rather than keep it.
func (n *Node) Ledger() *ledger.Ledger { return n.fsm.Ledger() }

// Snapshot asks Raft for a snapshot now and waits for it.
func (n *Node) Snapshot() error {
	if err := n.raft.Snapshot().Error(); err != nil {
		return fmt.Errorf("failed to snapshot: %w", err)
	}
	return nil
}
